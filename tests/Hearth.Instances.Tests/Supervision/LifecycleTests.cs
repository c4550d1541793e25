using System.Net.Http;
using Hearth.Instances.Model;
using Hearth.Instances.Processes;
using Hearth.Instances.Tests.Support;

namespace Hearth.Instances.Tests.Supervision;

/// <summary>Real processes through the whole lifecycle: readiness checks, installs, satellites, bad commands.</summary>
public sealed class LifecycleTests
{
    private static readonly HttpClient Http = new();

    [Fact]
    public async Task An_http_instance_becomes_ready_serves_on_its_port_and_stops()
    {
        await using var t = await TestSupervisor.StartAsync();
        var s = t.Supervisor;
        await s.CreateAsync(new InstanceSpec { Name = "web", Command = Scripts.WebApp("APP_NAME=web"), Health = "http:/health" });
        Assert.Equal(InstanceState.Stopped, s.Get("web").State);
        await s.StartAsync("web");
        await Eventually.StateAsync(s, "web", InstanceState.Ready);
        var status = s.Get("web");
        Assert.InRange(status.Port!.Value, 20000, 29999);
        Assert.NotNull(status.Pid);
        Assert.StartsWith("hello from web /x", await Http.GetStringAsync(new Uri($"http://127.0.0.1:{status.Port}/x")), StringComparison.Ordinal);
        Assert.Equal(status.Pid, ProcStat.Read(status.Pid!.Value)!.Value.Sid);

        await s.StopAsync("web");
        Assert.Equal(InstanceState.Stopped, s.Get("web").State);
        Assert.Null(s.Get("web").Pid);
        Assert.False(ProcessGroups.Alive(status.Pid.Value));
        Assert.Contains("listening on", s.Logs("web").ReadRun(status.Run), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_and_tcp_checks_gate_readiness()
    {
        await using var t = await TestSupervisor.StartAsync();
        var s = t.Supervisor;
        await s.CreateAsync(new InstanceSpec { Name = "logged", Command = "echo warming; sleep 0.3; echo 'Server started'; exec sleep 60", Health = "log:Server st[a-z]+" });
        await s.CreateAsync(new InstanceSpec { Name = "tcp", Command = Scripts.WebApp(), Health = "tcp" });
        await s.StartAsync("logged");
        await s.StartAsync("tcp");
        await Eventually.StateAsync(s, "logged", InstanceState.Ready);
        await Eventually.StateAsync(s, "tcp", InstanceState.Ready);
        Assert.Contains(s.Logs("logged").Tail(), l => l.Text == "Server started");
    }

    [Fact]
    public async Task A_missing_command_fails_with_the_reason_and_others_keep_running()
    {
        await using var t = await TestSupervisor.StartAsync();
        var s = t.Supervisor;
        await s.CreateAsync(new InstanceSpec { Name = "ok", Command = Scripts.WebApp(), Health = "http:/health" });
        await s.CreateAsync(new InstanceSpec { Name = "bad", Command = "no-such-command-hearth --flag", Restart = RestartPolicy.Always });
        await s.StartAsync("ok");
        await s.StartAsync("bad");
        await Eventually.StateAsync(s, "bad", InstanceState.Failed);
        Assert.Contains("command not found", s.Get("bad").Reason, StringComparison.Ordinal);
        Assert.Contains("no-such-command-hearth", s.Get("bad").Reason, StringComparison.Ordinal);
        Assert.Equal(1, s.Get("bad").Run);
        await Eventually.StateAsync(s, "ok", InstanceState.Ready);
    }

    [Fact]
    public async Task A_blueprint_installs_once_in_its_own_folder_and_a_satellite_shares_it()
    {
        await using var t = await TestSupervisor.StartAsync();
        var s = t.Supervisor;
        var bp = t.Home.File("bp/tool.sh", $"#!/usr/bin/env bash\n# hearth-blueprint: name=tool; description=Tool; port_env=TOOL_PORT; health=http:/health; install=install.sh\necho \"cwd=$PWD venv=$(cat venv.txt) port=$TOOL_PORT args=$*\"\nexec {Scripts.Python} -u {Scripts.App("webapp.py")}\n");
        t.Home.File("bp/install.sh", "echo installing into $PWD; echo made-by-install > venv.txt\n");
        await s.CreateAsync(new InstanceSpec { Name = "tool", Blueprint = bp, Args = ["--mode", "a b"] });
        await s.StartAsync("tool");
        await Eventually.StateAsync(s, "tool", InstanceState.Ready);
        var work = Path.Combine(t.Home.Path, "instances", "tool", "work");
        Assert.True(File.Exists(Path.Combine(work, ".hearth-installed")));
        var install = s.Logs("tool").ReadRun(1)!;
        Assert.Contains("installing into " + work, install, StringComparison.Ordinal);
        var run = s.Logs("tool").ReadRun(2)!;
        Assert.Contains($"cwd={work} venv=made-by-install port={s.Get("tool").Port} args=--mode a b", run, StringComparison.Ordinal);

        await s.CreateAsync(new InstanceSpec { Name = "tool-2", Blueprint = bp, Parent = "tool" });
        await s.StartAsync("tool-2");
        await Eventually.StateAsync(s, "tool-2", InstanceState.Ready);
        Assert.NotEqual(s.Get("tool").Port, s.Get("tool-2").Port);
        Assert.Contains($"cwd={work} venv=made-by-install", s.Logs("tool-2").ReadRun(1), StringComparison.Ordinal);
        await Assert.ThrowsAsync<InstanceSpecException>(() => s.RemoveAsync("tool"));
    }

    [Fact]
    public async Task A_failing_install_keeps_its_logs_fails_the_instance_and_affects_nothing_else()
    {
        await using var t = await TestSupervisor.StartAsync();
        var s = t.Supervisor;
        var bp = t.Home.File("bp/broken.sh", "# hearth-blueprint: name=broken; install=install.sh\nexec sleep 60\n");
        t.Home.File("bp/install.sh", "echo fetching deps; echo 'error: no network' >&2; exit 4\n");
        await s.CreateAsync(new InstanceSpec { Name = "other", Command = Scripts.WebApp(), Health = "http:/health" });
        await s.CreateAsync(new InstanceSpec { Name = "broken", Blueprint = bp });
        await s.StartAsync("other");
        await s.StartAsync("broken");
        await Eventually.StateAsync(s, "broken", InstanceState.Failed);
        Assert.Contains("install failed (exit code 4)", s.Get("broken").Reason, StringComparison.Ordinal);
        var log = s.Logs("broken").ReadRun(1)!;
        Assert.Contains("fetching deps", log, StringComparison.Ordinal);
        Assert.Contains("error: no network", log, StringComparison.Ordinal);
        await Eventually.StateAsync(s, "other", InstanceState.Ready);
    }

    [Fact]
    public async Task Duplicates_unknown_names_and_bad_specs_are_refused()
    {
        await using var t = await TestSupervisor.StartAsync();
        var s = t.Supervisor;
        await s.CreateAsync(new InstanceSpec { Name = "a", Command = "sleep 60" });
        await Assert.ThrowsAsync<DuplicateInstanceException>(() => s.CreateAsync(new InstanceSpec { Name = "a", Command = "sleep 1" }));
        await Assert.ThrowsAsync<InstanceNotFoundException>(() => s.StartAsync("nope"));
        await Assert.ThrowsAsync<InstanceSpecException>(() => s.CreateAsync(new InstanceSpec { Name = "b", Command = "x", Parent = "zzz" }));
        await Assert.ThrowsAsync<InstanceSpecException>(() => s.CreateAsync(new InstanceSpec { Name = "c", Blueprint = "/nope/bp.sh" }));
        Assert.Single(s.List());
    }

    [Fact]
    public async Task Secrets_come_by_reference_and_gpu_becomes_cuda_visible_devices()
    {
        Environment.SetEnvironmentVariable("HEARTH_TEST_SECRET_X", "s3cret");
        await using var t = await TestSupervisor.StartAsync();
        var s = t.Supervisor;
        await s.CreateAsync(new InstanceSpec
        {
            Name = "envy",
            Command = "echo \"token=$TOKEN gpu=$CUDA_VISIBLE_DEVICES plain=$PLAIN port=$PORT\"; exec sleep 60",
            Health = "log:token=",
            Env = new Dictionary<string, string> { ["PLAIN"] = "p" },
            Secrets = new Dictionary<string, string> { ["TOKEN"] = "HEARTH_TEST_SECRET_X" },
            Gpu = "1",
        });
        await s.StartAsync("envy");
        await Eventually.StateAsync(s, "envy", InstanceState.Ready);
        Assert.Contains($"token=s3cret gpu=1 plain=p port={s.Get("envy").Port}", s.Logs("envy").ReadRun(1), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", await File.ReadAllTextAsync(Path.Combine(t.Home.Path, "instances.db")), StringComparison.Ordinal);

        await s.CreateAsync(new InstanceSpec { Name = "nosecret", Command = "sleep 60", Secrets = new Dictionary<string, string> { ["T"] = "HEARTH_TEST_UNSET_VAR" } });
        await s.StartAsync("nosecret");
        await Eventually.StateAsync(s, "nosecret", InstanceState.Failed);
        Assert.Contains("HEARTH_TEST_UNSET_VAR", s.Get("nosecret").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failing_liveness_checks_make_an_instance_unhealthy_then_restart_it()
    {
        await using var t = await TestSupervisor.StartAsync();
        var s = t.Supervisor;
        var sick = Path.Combine(t.Home.Path, "sick");
        await s.CreateAsync(new InstanceSpec { Name = "sickly", Command = $"trap '' TERM; SICK_FILE={sick} " + Scripts.WebApp(), Health = "http:/health", Restart = RestartPolicy.Always });
        await s.StartAsync("sickly");
        await Eventually.StateAsync(s, "sickly", InstanceState.Ready);
        var pid = s.Get("sickly").Pid;
        await File.WriteAllTextAsync(sick, "");
        await Eventually.StateAsync(s, "sickly", InstanceState.Unhealthy);
        // Ignoring SIGTERM does not help it: SIGKILL follows after the grace period.
        await Eventually.TrueAsync(() => s.Get("sickly").Restarts == 1 && s.Get("sickly").Pid != pid, $"restarted (now {s.Get("sickly")})");
        File.Delete(sick);
        await Eventually.StateAsync(s, "sickly", InstanceState.Ready);
        Assert.Contains(s.Logs("sickly").ReadRun(1)!.Split('\n'), l => l.Contains("answered 500 (3 in a row)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_process_that_answers_health_but_hangs_on_work_is_caught_by_the_probe()
    {
        await using var t = await TestSupervisor.StartAsync(o =>
        {
            o.ProbePeriod = TimeSpan.FromMilliseconds(200);
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
        });
        var s = t.Supervisor;
        await s.CreateAsync(new InstanceSpec { Name = "hung", Command = Scripts.WebApp("HANG_WORK=1"), Health = "http:/health", Probe = "GET /work", Restart = RestartPolicy.Always });
        await s.StartAsync("hung");
        await Eventually.TrueAsync(() => s.Logs("hung").Tail().Any(l => l.Text.Contains("probe /work hung", StringComparison.Ordinal)), "the probe to catch the hang");
        await Eventually.TrueAsync(() => s.Get("hung").Restarts >= 1, "a restart after the probe hung");
    }
}
