using Hearth.Router.Config;

namespace Hearth.Deploy.Tests;

/// <summary>The router.yaml the chart renders loads in the router's own loader (which rejects unknown keys and bad values).</summary>
public sealed class RouterConfigTests(DeployTools tools) : IClassFixture<DeployTools>
{
    public static TheoryData<string> ValueSets => DeployTools.ValueSets;

    private string[] ValuesArguments(string set) => tools.ValuesArguments(set);

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void The_rendered_router_config_loads_in_the_router(string set)
    {
        var chart = RenderedChart.Render(tools, ValuesArguments(set));
        var text = ChartContentTests.RouterConfigText(chart);

        var options = RouterConfigLoader.Load(text, $"router.yaml ({set})", _ => null);

        Assert.Equal("/var/lib/hearth/router.db", options.Database);
        Assert.NotNull(options.Redis);
        Assert.True(options.Backends.Count > 0 || options.KubernetesDiscovery is not null);
        if (set == "discovery")
        {
            Assert.Equal("ai", options.KubernetesDiscovery!.Namespace);
        }
    }
}
