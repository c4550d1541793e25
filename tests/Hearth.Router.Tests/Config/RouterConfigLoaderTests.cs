using Hearth.Router.Config;
using Hearth.Testing;

namespace Hearth.Router.Tests.Config;

public sealed class RouterConfigLoaderTests
{
    private static readonly Dictionary<string, string> NoEnv = [];

    private static RouterOptions Load(string yaml, Dictionary<string, string>? env = null) =>
        RouterConfigLoader.Load(yaml, "test.yaml", n => (env ?? NoEnv).GetValueOrDefault(n));

    private static RouterConfigException Fails(string yaml, Dictionary<string, string>? env = null) =>
        Assert.Throws<RouterConfigException>(() => Load(yaml, env));

    [Fact]
    public void The_example_config_loads_with_its_values_and_documented_defaults()
    {
        var options = RouterConfigLoader.LoadFile(Path.Combine(SharedData.RepoRoot, "examples", "router.yaml"), _ => null);
        Assert.Equal(["node-a", "node-b"], options.Backends.Select(b => b.Name));
        Assert.Null(options.Backends[0].Models);
        Assert.Equal(["llama-2-tiny-random"], options.Backends[1].Models!);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Backends[0].Health.Period);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Backends[0].Timeouts.Connect);
        Assert.Equal(RoutingStrategyKind.LeastBusy, options.Routing.Strategy);
        Assert.True(options.Cache.Enabled);
        Assert.Equal(TimeSpan.FromMinutes(10), options.Cache.Ttl);
        Assert.Equal("HEARTH_ROUTER_MASTER_KEY", options.MasterKeyEnv);
        Assert.False(options.RequireKeys);
    }

    [Fact]
    public void Every_key_of_the_issue_and_the_access_keys_bind_to_typed_options()
    {
        var options = Load("""
            backends:
              - name: gpu-cluster
                url: http://10.0.0.5:8000
                type: ollama
                models: [llama-3.1-8b, qwen]
                api_key_env: EXTERNAL_OPENAI_KEY
                tier: cluster
                weight: 3
                max_concurrency: 64
                health: {path: /ready, period: 500ms, timeout: 1s, failure_threshold: 3}
                timeouts: {connect: 250ms, first_byte: 1m, idle: 45s}
            routing:
              strategy: prefix-affinity
              prefix_tokens: 128
              latency_budget: 800ms
              max_attempts: 4
              circuit: {failure_ratio: 0.25, minimum_throughput: 10, sampling: 1m, break: 2m}
            fallbacks:
              llama-3.1-8b: [qwen, llama-3.1-70b]
            redis: redis://127.0.0.1:6379
            require_keys: true
            cache: {enabled: false, ttl: 30s, max_entries: 5}
            database: /tmp/r.db
            master_key_env: MY_MASTER
            max_body_bytes: 2048
            discovery_period: 5m
            """);
        var b = Assert.Single(options.Backends);
        Assert.Equal(BackendType.Ollama, b.Type);
        Assert.Equal(BackendTier.Cluster, b.Tier);
        Assert.Equal(3, b.Weight);
        Assert.Equal("/ready", b.Health.Path);
        Assert.Equal(TimeSpan.FromMilliseconds(500), b.Health.Period);
        Assert.Equal(3, b.Health.FailureThreshold);
        Assert.Equal(TimeSpan.FromMilliseconds(250), b.Timeouts.Connect);
        Assert.Equal(TimeSpan.FromMinutes(1), b.Timeouts.FirstByte);
        Assert.Equal(RoutingStrategyKind.PrefixAffinity, options.Routing.Strategy);
        Assert.Equal(128, options.Routing.PrefixTokens);
        Assert.Equal(TimeSpan.FromMilliseconds(800), options.Routing.LatencyBudget);
        Assert.Equal(0.25, options.Routing.Circuit.FailureRatio);
        Assert.Equal(TimeSpan.FromMinutes(2), options.Routing.Circuit.Break);
        Assert.Equal(["qwen", "llama-3.1-70b"], options.Fallbacks["llama-3.1-8b"]);
        Assert.Equal("redis://127.0.0.1:6379", options.Redis);
        Assert.True(options.RequireKeys);
        Assert.False(options.Cache.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Cache.Ttl);
        Assert.Equal(5, options.Cache.MaxEntries);
        Assert.Equal("/tmp/r.db", options.Database);
        Assert.Equal("MY_MASTER", options.MasterKeyEnv);
        Assert.Equal(2048, options.MaxBodyBytes);
        Assert.Equal(TimeSpan.FromMinutes(5), options.DiscoveryPeriod);
    }

    [Fact]
    public void Every_error_is_reported_at_once_with_its_path_and_line_and_column()
    {
        var e = Fails("""
            backends:
              - name: a
                url: http://127.0.0.1:8081
                tier: local
              - name: b
                url: not a url
                tier: galaxy
                weight: -1
                colour: blue
            routing:
              strategy: fastest
            cache: {ttl: soon}
            """);
        var lines = e.Errors.Select(x => x.ToString()).ToList();
        Assert.Contains("backends[1].url (line 6:10): not an absolute http(s) URL", lines);
        Assert.Contains(lines, l => l.StartsWith("backends[1].tier (line 7:11): 'galaxy' is not one of: local, cluster, external", StringComparison.Ordinal));
        Assert.Contains("backends[1].weight (line 8:13): must be between 1 and 1000", lines);
        Assert.Contains(lines, l => l.StartsWith("backends[1].colour (line 9:5): unknown key 'colour'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("routing.strategy (line 11:13): 'fastest' is not one of: round-robin, least-busy, latency, session-affinity, prefix-affinity, load-aware", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("cache.ttl (line 12:14): expected a duration", StringComparison.Ordinal));
        Assert.Equal(6, e.Errors.Count);
        Assert.Contains("6 error(s)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_top_level_keys_missing_fields_and_duplicate_names_are_errors()
    {
        var e = Fails("""
            backend:
              - name: a
            backends:
              - name: a
                url: http://127.0.0.1:1
              - name: a
                url: http://127.0.0.1:2
              - url: http://127.0.0.1:3
            """);
        var lines = e.Errors.Select(x => x.ToString()).ToList();
        Assert.Contains(lines, l => l.StartsWith("backend (line 1:1): unknown key 'backend'", StringComparison.Ordinal));
        Assert.Contains("backends[1].name (line 6:11): duplicate backend name 'a'", lines);
        Assert.Contains("backends[2].name (line 8:5): required", lines);
    }

    [Fact]
    public void Malformed_yaml_is_one_located_error()
    {
        var e = Fails("backends: [\n  - name: a\n");
        var error = Assert.Single(e.Errors);
        Assert.True(error.Line > 0);
    }

    [Fact]
    public void An_empty_config_needs_a_backend_unless_LLMD_ENDPOINT_supplies_one()
    {
        Assert.Contains("at least one backend", Fails("routing: {strategy: latency}").Message, StringComparison.Ordinal);
        var options = Load("routing: {strategy: latency}", new() { ["LLMD_ENDPOINT"] = "http://gateway:8080" });
        var b = Assert.Single(options.Backends);
        Assert.Equal(("llm-d", BackendType.OpenAI, BackendTier.Cluster, "http://gateway:8080/"), (b.Name, b.Type, b.Tier, b.Url.ToString()));
        Assert.Contains("LLMD_ENDPOINT", Fails("routing: {strategy: latency}", new() { ["LLMD_ENDPOINT"] = "gateway" }).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Redis_database_and_upstream_keys_come_from_the_environment_when_the_file_leaves_them_out()
    {
        var env = new Dictionary<string, string>
        {
            ["REDIS_URL"] = "redis://r:6379",
            ["SQLITE_DB_PATH"] = "/data/router.db",
            ["EXTERNAL_OPEN_AI_KEY"] = "sk-implicit",
            ["CUSTOM"] = "sk-explicit",
        };
        var options = Load("""
            backends:
              - {name: open-ai, url: "https://api.example.com", tier: external}
              - {name: other, url: "https://other.example.com", api_key_env: CUSTOM}
              - {name: nokey, url: "https://none.example.com"}
            """, env);
        Assert.Equal("redis://r:6379", options.Redis);
        Assert.Equal("/data/router.db", options.Database);
        Assert.Equal("sk-implicit", RouterConfigLoader.UpstreamKey(options.Backends[0], n => env.GetValueOrDefault(n)));
        Assert.Equal("sk-explicit", RouterConfigLoader.UpstreamKey(options.Backends[1], n => env.GetValueOrDefault(n)));
        Assert.Null(RouterConfigLoader.UpstreamKey(options.Backends[2], n => env.GetValueOrDefault(n)));

        var home = Load("backends: [{name: a, url: 'http://h'}]", new() { ["HEARTH_HOME"] = "/srv/hearth" });
        Assert.Equal("/srv/hearth/router.db", home.Database);
        Assert.Equal("redis://file", Load("redis: redis://file\nbackends: [{name: a, url: 'http://h'}]", env).Redis);
    }

    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("10s", 10)]
    [InlineData("5m", 300)]
    [InlineData("1h30m", 5400)]
    [InlineData("2.5", 2.5)]
    public void Durations_parse_units_and_plain_seconds(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, out var d));
        Assert.Equal(seconds, d.TotalSeconds, 6);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("5 parsecs")]
    [InlineData("-1")]
    public void Bad_durations_are_refused(string text) => Assert.False(Durations.TryParse(text, out _));
}
