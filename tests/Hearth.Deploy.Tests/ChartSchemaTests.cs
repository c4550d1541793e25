namespace Hearth.Deploy.Tests;

/// <summary>helm lint and every rendered object against the Kubernetes API schemas, for the default values and a multi-backend file.</summary>
public sealed class ChartSchemaTests(DeployTools tools) : IClassFixture<DeployTools>
{
    public static TheoryData<string> ValueSets => DeployTools.ValueSets;

    private string[] ValuesArguments(string set) => tools.ValuesArguments(set);

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void Chart_passes_helm_lint_strict(string set)
    {
        var lint = DeployTools.Run(tools.Helm, ["lint", "--strict", tools.Chart, .. ValuesArguments(set)]);

        Assert.True(lint.ExitCode == 0, lint.Output);
        Assert.Contains("0 chart(s) failed", lint.Output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ValueSets))]
    public void Every_rendered_object_is_valid_against_the_kubernetes_schemas(string set)
    {
        var chart = RenderedChart.Render(tools, ValuesArguments(set));
        var file = WriteTemp(chart.Text);
        try
        {
            var result = DeployTools.Run("node", [tools.Validator, file]);

            Assert.True(result.ExitCode == 0, result.Output);
            var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(chart.Manifests.Count, lines.Length);
            Assert.All(lines, line => Assert.Contains("\"valid\":true", line, StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_validator_rejects_an_object_the_api_server_would_refuse()
    {
        // Guards the check above against passing vacuously: a port given as text and a
        // Deployment without its required selector must both be reported.
        var chart = RenderedChart.Render(tools);
        var broken = chart.Text
            .Replace("containerPort: 4000", "containerPort: \"4000\"", StringComparison.Ordinal);
        var file = WriteTemp(broken + "\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {template: {spec: {containers: [{name: c, image: i}]}}}\n");
        try
        {
            var result = DeployTools.Run("node", [tools.Validator, file]);

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("containerPort must be integer", result.Stdout, StringComparison.Ordinal);
            Assert.Contains("must have required property selector", result.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Kubectl_from_the_same_package_runs()
    {
        var version = DeployTools.Run(tools.Kubectl, ["version", "--client"]);

        Assert.True(version.ExitCode == 0, version.Output);
        Assert.Contains("Client Version: v1.33", version.Stdout, StringComparison.Ordinal);
    }

    private static string WriteTemp(string text)
    {
        var file = Path.Combine(Path.GetTempPath(), $"hearth-chart-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, text);
        return file;
    }
}
