using Hearth.Instances.Model;
using Hearth.Instances.Ports;
using Hearth.Instances.Processes;
using Hearth.Instances.Tests.Support;

namespace Hearth.Instances.Tests.Processes;

/// <summary>Sessions, double forks, foreign listeners, and a supervisor that dies without stopping anything.</summary>
public sealed class ProcessGroupTests
{
    private static List<ProcStat> Daemons(int sid) => ProcStat.All().Where(p => p.Sid == sid && p.State != 'Z').ToList();

    [Fact]
    public async Task Stop_ends_the_whole_group_including_a_double_forked_daemon()
    {
        await using var t = await TestSupervisor.StartAsync();
        var s = t.Supervisor;
        await s.CreateAsync(new InstanceSpec { Name = "forker", Command = $"exec bash {Scripts.App("doublefork.sh")}", Health = "http:/" });
        await s.StartAsync("forker");
        await Eventually.StateAsync(s, "forker", InstanceState.Ready);
        var sid = s.Get("forker").Pid!.Value;
        await Eventually.TrueAsync(() => Daemons(sid).Count >= 2, "the daemon and the server in one session");
        Assert.Contains(Daemons(sid), p => p.ParentPid != sid);
        await s.StopAsync("forker");
        Assert.Empty(Daemons(sid));
    }

    [Fact]
    public async Task When_the_leader_crashes_its_double_forked_children_go_too()
    {
        await using var t = await TestSupervisor.StartAsync();
        var s = t.Supervisor;
        await s.CreateAsync(new InstanceSpec { Name = "leaky", Command = "( ( exec sleep 3600 ) & ); sleep 0.3; exit 5", Health = "none", Restart = RestartPolicy.Never });
        await s.StartAsync("leaky");
        await Eventually.TrueAsync(() => s.Get("leaky").Pid is not null, "started");
        var sid = s.Get("leaky").Pid!.Value;
        await Eventually.StateAsync(s, "leaky", InstanceState.Failed);
        Assert.Empty(Daemons(sid));
    }

    [Fact]
    public async Task A_foreign_listener_on_the_preferred_port_moves_the_instance_to_another_port()
    {
        await using var t = await TestSupervisor.StartAsync();
        var s = t.Supervisor;
        await s.CreateAsync(new InstanceSpec { Name = "mover", Command = Scripts.WebApp("CRASH_AFTER=1"), Health = "http:/health", Restart = RestartPolicy.Always });
        await s.StartAsync("mover");
        await Eventually.StateAsync(s, "mover", InstanceState.Ready);
        var first = s.Get("mover").Port!.Value;
        // Squat on the port the instance had while it is down; the restart must test-bind and move on.
        var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        await Eventually.TrueAsync(() => s.Get("mover").Run >= 2 || TrySquat(first, out squatter), "squat the old port");
        try
        {
            await Eventually.TrueAsync(() => s.Get("mover").Run >= 2 && s.Get("mover").State == InstanceState.Ready, "restarted and ready");
            if (squatter.LocalEndpoint is System.Net.IPEndPoint { Port: var sq } && sq == first)
            {
                Assert.NotEqual(first, s.Get("mover").Port);
            }
        }
        finally
        {
            squatter.Stop();
            squatter.Dispose();
        }
    }

    private static bool TrySquat(int port, out System.Net.Sockets.TcpListener listener)
    {
        listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            listener.Dispose();
            listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            return false;
        }
    }

    [Fact]
    public async Task A_listener_that_appears_between_the_test_bind_and_the_spawn_costs_one_retry_on_a_new_port()
    {
        await using var t = await TestSupervisor.StartAsync();
        var s = t.Supervisor;
        var flag = Path.Combine(t.Home.Path, "squatted");
        var pidFile = Path.Combine(t.Home.Path, "squatter.pid");
        // First run only: a process outside our session (setsid) grabs $PORT and answers /health, then the app
        // tries to bind the same port: EADDRINUSE. The instance must not take the squatter for itself.
        var squat = $"if [ ! -e {flag} ]; then touch {flag}; setsid {Scripts.Python} -u {Scripts.App("webapp.py")} > /dev/null 2>&1 & echo $! > {pidFile}; " +
                    $"for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.05; done; fi; ";
        await s.CreateAsync(new InstanceSpec { Name = "raced", Command = squat + Scripts.WebApp("APP_NAME=mine"), Health = "http:/health", Restart = RestartPolicy.OnFailure });
        try
        {
            await s.StartAsync("raced");
            await Eventually.TrueAsync(() => s.Get("raced").State == InstanceState.Ready && s.Get("raced").Run >= 2, "ready on a new port");
            var squatterPid = int.Parse(await File.ReadAllTextAsync(pidFile), System.Globalization.CultureInfo.InvariantCulture);
            var port = s.Get("raced").Port!.Value;
            Assert.True(PortOwnership.SessionListensOn(s.Get("raced").Pid!.Value, ProcStat.Read(s.Get("raced").Pid!.Value)!.Value.StartTicks, port));
            using var http = new HttpClient();
            Assert.StartsWith("hello from mine", await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/")), StringComparison.Ordinal);
            Assert.NotNull(ProcStat.Read(squatterPid));
        }
        finally
        {
            if (File.Exists(pidFile))
            {
                var pid = int.Parse(await File.ReadAllTextAsync(pidFile), System.Globalization.CultureInfo.InvariantCulture);
                await ProcessGroups.TerminateAsync(pid, TimeSpan.FromSeconds(2));
            }
        }
    }

    [Fact]
    public void The_allocator_skips_taken_ports_and_never_hands_out_a_held_one()
    {
        var ports = new PortAllocator(24000, 24009, new Random(3));
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 24005);
        squatter.Start();
        var got = Enumerable.Range(0, 9).Select(_ => ports.Allocate()).ToList();
        Assert.Equal(9, got.Distinct().Count());
        Assert.DoesNotContain(24005, got);
        Assert.Throws<InvalidOperationException>(() => ports.Allocate());
        ports.Release(24001);
        Assert.Equal(24001, ports.Allocate(preferred: 24001));
        Assert.False(PortAllocator.CanBind(24005));
    }

    [Fact]
    public async Task A_restarted_supervisor_cleans_up_what_a_dead_one_left_and_starts_it_once()
    {
        using var home = new TempHome();
        int oldSid;
        await using (var first = await TestSupervisor.StartAsync(home: home))
        {
            var s = first.Supervisor;
            await s.CreateAsync(new InstanceSpec { Name = "forker", Command = $"exec bash {Scripts.App("doublefork.sh")}", Health = "http:/" });
            await s.StartAsync("forker");
            await Eventually.StateAsync(s, "forker", InstanceState.Ready);
            oldSid = s.Get("forker").Pid!.Value;
            await Eventually.TrueAsync(() => Daemons(oldSid).Count >= 2, "daemon running");
            // The supervisor "dies": nothing is stopped, the records stay in the database.
            await s.AbandonAsync();
        }

        Assert.NotEmpty(Daemons(oldSid));
        await using var second = await TestSupervisor.StartAsync(home: home);
        Assert.True(second.Supervisor.StraysCleaned >= 2);
        Assert.Empty(Daemons(oldSid));
        await Eventually.StateAsync(second.Supervisor, "forker", InstanceState.Ready);
        // Every process started for this home (its environment names the instance folder) is in one session.
        var sessions = ProcStat.All().Where(p => p.State != 'Z' && EnvironOf(p.Pid).Contains(home.Path, StringComparison.Ordinal)).Select(p => p.Sid).Distinct().ToList();
        Assert.Single(sessions);
    }

    private static string EnvironOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ");
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
