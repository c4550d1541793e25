using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Instances.Model;
using Hearth.Instances.Tests.Support;

namespace Hearth.Instances.Tests.EndToEnd;

/// <summary>The real <c>hearth instances</c> and <c>hearth up</c> commands.</summary>
public sealed class CliTests
{
    [Fact]
    public async Task Instances_commands_create_start_list_log_and_remove_through_the_api()
    {
        await using var host = await TestHost.StartAsync();
        var env = new Dictionary<string, string> { ["HEARTH_URL"] = host.Address.ToString() };
        var (code, output) = await HearthCli.RunAsync(env, "instances", "create", "web", "--command", Scripts.WebApp("APP_NAME=cli"), "--health", "http:/health", "--ttl", "10m", "--restart", "always");
        Assert.True(code == 0, output);
        Assert.Contains("created 'web'", output, StringComparison.Ordinal);
        (code, output) = await HearthCli.RunAsync(env, "instances", "start", "web");
        Assert.True(code == 0, output);
        Assert.Contains("web: ready on port", output, StringComparison.Ordinal);
        (code, output) = await HearthCli.RunAsync(env, "instances", "ls");
        Assert.Contains("ready", output, StringComparison.Ordinal);
        (code, output) = await HearthCli.RunAsync(env, "instances", "logs", "web", "-n", "5");
        Assert.Contains("listening on", output, StringComparison.Ordinal);
        (code, output) = await HearthCli.RunAsync(env, "instances", "restart", "web");
        Assert.Equal(0, code);
        (code, output) = await HearthCli.RunAsync(env, "instances", "logs", "web", "--previous");
        Assert.Contains("[hearth] run 1:", output, StringComparison.Ordinal);

        // Bad input: named exit codes and one line each.
        (code, output) = await HearthCli.RunAsync(env, "instances", "create", "web", "--command", "x");
        Assert.True(code == 21 && output.Contains("already exists", StringComparison.Ordinal), $"{code}: {output}");
        (code, output) = await HearthCli.RunAsync(env, "instances", "stop", "nope");
        Assert.Equal((20, true), (code, output.Contains("no instance named 'nope'", StringComparison.Ordinal)));
        (code, output) = await HearthCli.RunAsync(env, "instances", "create", "x", "--command", "y", "--health", "ping");
        Assert.Equal((6, true), (code, output.Contains("unknown health check", StringComparison.Ordinal)));
        (code, output) = await HearthCli.RunAsync(env, "instances", "create", "x");
        Assert.True(code != 0 && output.Contains("exactly one of --command, --model or --blueprint", StringComparison.Ordinal), output);

        (code, output) = await HearthCli.RunAsync(env, "instances", "rm", "web");
        Assert.True(code == 0, output);
        Assert.Empty(host.Supervisor.List());
        (code, output) = await HearthCli.RunAsync(new Dictionary<string, string> { ["HEARTH_URL"] = $"http://127.0.0.1:{HearthCli.FreePort()}" }, "instances", "ls");
        Assert.Equal((7, true), (code, output.Contains("cannot reach the supervisor", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Up_refuses_a_bad_instances_file_naming_the_line()
    {
        using var home = new TempHome();
        var file = home.File("instances.yaml", "instances:\n  web:\n    command: x\n    restart: sometimes\n");
        var (code, output) = await HearthCli.RunAsync(null, "up", "--home", home.Path, "--port", "0", "--config", file);
        Assert.Equal(6, code);
        Assert.Contains("line 4: restart must be", output, StringComparison.Ordinal);
    }
}
