using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Instances.Processes;
using Hearth.Instances.Tests.Support;

namespace Hearth.Instances.Tests.EndToEnd;

/// <summary><c>hearth up</c> killed with SIGKILL while ten instances run (one double-forking), then started again.</summary>
public sealed class SupervisorCrashTests
{
    private static List<ProcStat> ProcessesOf(string home) => ProcStat.All()
        .Where(p => p.State != 'Z' && Environ(p.Pid).Contains($"HEARTH_INSTANCE_DIR={home}", StringComparison.Ordinal)).ToList();

    private static string Environ(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Replace('\0', '\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    [Fact]
    public async Task After_kill_9_and_a_restart_no_process_is_orphaned_or_duplicated()
    {
        using var home = new TempHome();
        var yaml = new StringBuilder("instances:\n");
        for (var i = 0; i < 9; i++)
        {
            yaml.Append($"  app-{i}:\n    command: {Scripts.WebApp()}\n    health: http:/health\n    autostart: true\n");
        }

        yaml.Append($"  forker:\n    command: exec bash {Scripts.App("doublefork.sh")}\n    health: http:/\n    autostart: true\n");
        var config = home.File("instances.yaml", yaml.ToString());
        var port = HearthCli.FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        var state = Path.Combine(home.Path, "state");

        using var first = HearthCli.Start(null, "up", "--home", state, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--config", config);
        List<int> oldSessions;
        try
        {
            await WaitAllReadyAsync(http, 10);
            oldSessions = ProcessesOf(state).Select(p => p.Sid).Distinct().ToList();
            Assert.Equal(10, oldSessions.Count);
            Assert.True(ProcessesOf(state).Count >= 11); // the daemon is an extra process in forker's session
        }
        finally
        {
            first.Kill(); // SIGKILL: nothing is stopped, nothing is cleaned
            await first.WaitForExitAsync();
        }

        Assert.Equal(10, ProcessesOf(state).Select(p => p.Sid).Distinct().Count());

        using var second = HearthCli.Start(null, "up", "--home", state, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            await WaitAllReadyAsync(http, 10);
            // Every old session is gone (the double-forked daemon included) and each instance runs exactly once.
            var now = ProcessesOf(state);
            Assert.DoesNotContain(now, p => oldSessions.Contains(p.Sid));
            Assert.Equal(10, now.Select(p => p.Sid).Distinct().Count());
        }
        finally
        {
            second.Kill(entireProcessTree: false);
            await second.WaitForExitAsync();
            // Leave nothing behind: end what the killed supervisor left.
            foreach (var sid in ProcessesOf(state).Select(p => p.Sid).Distinct())
            {
                await ProcessGroups.TerminateAsync(sid, TimeSpan.FromSeconds(2));
            }
        }
    }

    private static async Task WaitAllReadyAsync(HttpClient http, int count)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            try
            {
                var list = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/instances", UriKind.Relative));
                if (list.GetArrayLength() == count && list.EnumerateArray().All(i => i.GetProperty("state").GetString() == "ready"))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("instances not all ready");
    }
}
