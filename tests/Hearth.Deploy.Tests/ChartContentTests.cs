using YamlDotNet.RepresentationModel;

namespace Hearth.Deploy.Tests;

/// <summary>What the chart deploys: the router, engine nodes, Redis, secrets and packaged model images.</summary>
public sealed class ChartContentTests(DeployTools tools) : IClassFixture<DeployTools>
{
    [Fact]
    public void Router_runs_at_least_two_replicas_with_probes_on_health()
    {
        var router = RenderedChart.Render(tools).Single("Deployment", "-router");

        Assert.True(int.Parse(router.Scalar("spec.replicas"), System.Globalization.CultureInfo.InvariantCulture) >= 2);
        Assert.Equal("/health", router.Scalar("spec.template.spec.containers[0].readinessProbe.httpGet.path"));
        Assert.NotNull(router.Find("spec.template.spec.containers[0].livenessProbe"));
        Assert.Equal(
            ["router", "--config", "/etc/hearth/router.yaml", "--host", "0.0.0.0", "--port", "4000"],
            router.Strings("spec.template.spec.containers[0].args"));
        Assert.Equal("true", router.Scalar("spec.template.spec.securityContext.runAsNonRoot"));
    }

    [Fact]
    public void Engine_nodes_are_a_stateful_set_with_a_model_volume_each()
    {
        var chart = RenderedChart.Render(tools, "-f", tools.ValuesFile("multi-backend-values.yaml"));
        var engine = chart.Single("StatefulSet", "-engine");

        Assert.Equal("3", engine.Scalar("spec.replicas"));
        Assert.Equal("models", engine.Scalar("spec.volumeClaimTemplates[0].metadata.name"));
        Assert.Equal("50Gi", engine.Scalar("spec.volumeClaimTemplates[0].spec.resources.requests.storage"));
        Assert.Equal("fast-ssd", engine.Scalar("spec.volumeClaimTemplates[0].spec.storageClassName"));
        Assert.Equal("rel-hearth-engine-headless", engine.Scalar("spec.serviceName"));
        Assert.Equal(
            ["pull", "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M"],
            engine.Strings("spec.template.spec.initContainers[0].args"));
        var args = engine.Strings("spec.template.spec.containers[0].args");
        Assert.Equal(["serve", "--model", "llama-3.2-1b", "--host", "0.0.0.0", "--port", "8080", "--parallel", "4", "--threads", "8", "--ctx", "8192"], args);
        Assert.Equal("None", chart.Single("Service", "-engine-headless").Scalar("spec.clusterIP"));
    }

    [Fact]
    public void Router_config_lists_each_engine_pod_the_model_image_and_the_users_backends()
    {
        var chart = RenderedChart.Render(tools, "-f", tools.ValuesFile("multi-backend-values.yaml"));
        var config = RouterConfig(chart);

        var backends = (YamlSequenceNode)config.Children[new YamlScalarNode("backends")];
        var names = backends.Children.Cast<YamlMappingNode>().Select(b => Value(b, "name")).ToList();
        Assert.Equal(["engine-0", "engine-1", "engine-2", "model-image", "gpu-cluster", "openai"], names);
        var engine1 = backends.Children.Cast<YamlMappingNode>().Single(b => Value(b, "name") == "engine-1");
        Assert.Equal("http://rel-hearth-engine-1.rel-hearth-engine-headless.ai.svc:8080", Value(engine1, "url"));
        Assert.Equal("local", Value(engine1, "tier"));
        var external = backends.Children.Cast<YamlMappingNode>().Single(b => Value(b, "name") == "openai");
        Assert.Equal("external", Value(external, "tier"));
        Assert.Equal("EXTERNAL_OPENAI_KEY", Value(external, "api_key_env"));
        Assert.Equal("redis://shared-redis.cache.svc:6379", Value(config, "redis"));
        Assert.Equal("true", Value(config, "require_keys"));
        Assert.Equal("prefix-affinity", Value((YamlMappingNode)config.Children[new YamlScalarNode("routing")], "strategy"));

        // An external Redis replaces the chart's own.
        Assert.False(chart.Has("Deployment", "-redis"));
    }

    [Fact]
    public void Default_values_run_redis_and_point_the_router_at_it()
    {
        var chart = RenderedChart.Render(tools);
        var config = RouterConfig(chart);

        Assert.Equal("redis://rel-hearth-redis:6379", Value(config, "redis"));
        Assert.True(chart.Has("Deployment", "-redis"));
        Assert.True(chart.Has("Service", "-redis"));
    }

    [Fact]
    public void Provider_keys_live_in_the_secret_never_in_the_config_map()
    {
        var chart = RenderedChart.Render(tools, "-f", tools.ValuesFile("multi-backend-values.yaml"));

        Assert.DoesNotContain("sk-test-not-a-real-key", RouterConfigText(chart), StringComparison.Ordinal);
        var secret = chart.Single("Secret", "-keys");
        var encoded = secret.Scalar("data.EXTERNAL_OPENAI_KEY");
        Assert.Equal("sk-test-not-a-real-key", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(encoded)));
        Assert.Equal(40, System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(secret.Scalar("data.HEARTH_ROUTER_MASTER_KEY"))).Length);
        var router = chart.Single("Deployment", "-router");
        Assert.Equal(secret.Name, router.Scalar("spec.template.spec.containers[0].envFrom[0].secretRef.name"));
    }

    [Fact]
    public void An_existing_secret_replaces_the_charts_own()
    {
        var chart = RenderedChart.Render(tools, "--set", "secrets.existingSecret=team-keys");

        Assert.False(chart.Has("Secret", "-keys"));
        Assert.Equal("team-keys", chart.Single("Deployment", "-router").Scalar("spec.template.spec.containers[0].envFrom[0].secretRef.name"));
    }

    [Fact]
    public void A_packaged_model_image_gets_a_deployment_service_and_probes()
    {
        var chart = RenderedChart.Render(tools, "-f", tools.ValuesFile("multi-backend-values.yaml"));
        var model = chart.Single("Deployment", "-model");

        Assert.Equal("registry.example.internal/models/tiny:1", model.Scalar("spec.template.spec.containers[0].image"));
        Assert.Equal("2", model.Scalar("spec.replicas"));
        Assert.Equal("/health", model.Scalar("spec.template.spec.containers[0].readinessProbe.httpGet.path"));
        Assert.Equal("8080", chart.Single("Service", "-model").Scalar("spec.ports[0].port"));
        Assert.Null(model.Find("spec.template.spec.containers[0].args"));
    }

    [Fact]
    public void A_model_image_without_an_image_reference_fails_with_a_clear_message()
    {
        var error = Assert.Throws<HelmException>(() => RenderedChart.Render(tools, "--set", "modelImage.enabled=true"));

        Assert.Contains("modelImage.image must name the image", error.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pinned_digest_wins_over_the_tag()
    {
        var chart = RenderedChart.Render(tools, "-f", tools.ValuesFile("multi-backend-values.yaml"));

        Assert.All(
            new[] { chart.Single("Deployment", "-router"), chart.Single("StatefulSet", "-engine") },
            m => Assert.Equal(
                "registry.example.internal/hearth/hearth@sha256:4f2b4a1f0a7d7e4c3c8f6a1f9d3e2b7c6a5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f",
                m.Scalar("spec.template.spec.containers[0].image")));
    }

    [Fact]
    public void A_changed_router_config_rolls_the_router_pods()
    {
        var before = RenderedChart.Render(tools).Single("Deployment", "-router").Scalar("spec.template.metadata.annotations.checksum/config");
        var after = RenderedChart.Render(tools, "--set", "router.strategy=round-robin").Single("Deployment", "-router").Scalar("spec.template.metadata.annotations.checksum/config");

        Assert.NotEqual(before, after);
    }

    [Fact]
    public void Kubernetes_discovery_gets_a_read_only_role_and_its_config()
    {
        var off = RenderedChart.Render(tools);
        Assert.False(off.Has("Role", "-router-discovery"));
        Assert.Equal("false", off.Single("Deployment", "-router").Scalar("spec.template.spec.automountServiceAccountToken"));

        var chart = RenderedChart.Render(tools, "--set", "router.discovery.enabled=true", "--set", "router.discovery.labelSelector=app=vllm");
        var role = chart.Single("Role", "-router-discovery");
        Assert.Equal(["get", "list", "watch"], role.Strings("rules[0].verbs"));
        Assert.Equal(["pods"], role.Strings("rules[0].resources"));
        var account = chart.Single("ServiceAccount", "-router");
        Assert.Equal(account.Name, chart.Single("Deployment", "-router").Scalar("spec.template.spec.serviceAccountName"));
        Assert.Equal(account.Name, chart.Single("RoleBinding", "-router-discovery").Scalar("subjects[0].name"));
        var discovery = (YamlMappingNode)RouterConfig(chart).Children[new YamlScalarNode("kubernetes_discovery")];
        Assert.Equal("app=vllm", Value(discovery, "label_selector"));
        Assert.Equal("ai", Value(discovery, "namespace"));
    }

    internal static string RouterConfigText(RenderedChart chart)
    {
        var data = (YamlMappingNode)chart.Single("ConfigMap", "-router").Find("data")!;
        return ((YamlScalarNode)data.Children[new YamlScalarNode("router.yaml")]).Value!;
    }

    private static YamlMappingNode RouterConfig(RenderedChart chart)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(RouterConfigText(chart)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string Value(YamlMappingNode map, string key) => ((YamlScalarNode)map.Children[new YamlScalarNode(key)]).Value!;
}
