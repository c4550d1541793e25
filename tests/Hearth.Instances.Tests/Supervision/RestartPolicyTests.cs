using Hearth.Instances.Model;
using Hearth.Instances.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Hearth.Instances.Tests.Supervision;

/// <summary>Real crashing processes; backoff timers run on a fake clock, so no test sleeps through a backoff.</summary>
public sealed class RestartPolicyTests
{
    [Fact]
    public async Task A_crash_loop_restarts_at_once_then_backs_off_doubling_and_fails_at_the_start_limit()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var t = await TestSupervisor.StartAsync(time: time);
        var s = t.Supervisor;
        await s.CreateAsync(new InstanceSpec { Name = "crashy", Command = "echo boom; exit 1", Health = "none", Restart = RestartPolicy.Always });
        await s.StartAsync("crashy");

        // Two starts without any clock movement: the first restart is immediate.
        await Eventually.StateAsync(s, "crashy", InstanceState.Backoff);
        Assert.Equal(2, s.Get("crashy").Run);
        Assert.Equal("exited with code 1", s.Get("crashy").Reason);

        // Then 10 s, 20 s, 40 s (±10%): nothing happens before the delay, the next start right after it.
        var runs = 2;
        foreach (var seconds in new[] { 10, 20, 40 })
        {
            time.Advance(TimeSpan.FromSeconds(seconds * 0.85));
            await Task.Delay(100);
            Assert.Equal(runs, s.Get("crashy").Run);
            time.Advance(TimeSpan.FromSeconds(seconds * 0.3));
            runs++;
            await Eventually.TrueAsync(() => s.Get("crashy").Run == runs && s.Get("crashy").State == InstanceState.Backoff, $"run {runs} then backoff");
        }

        // Five starts within ten minutes: the sixth is refused and the instance is failed until started again.
        time.Advance(TimeSpan.FromSeconds(90));
        await Eventually.StateAsync(s, "crashy", InstanceState.Failed);
        Assert.Contains("start limit", s.Get("crashy").Reason, StringComparison.Ordinal);
        Assert.Equal(5, s.Get("crashy").Run);
        Assert.Equal(4, s.Get("crashy").Restarts);
        var log = s.Logs("crashy").ReadRun(5)!;
        Assert.Contains("boom", log, StringComparison.Ordinal);

        // Starting again resets the limit.
        await s.StartAsync("crashy");
        await Eventually.TrueAsync(() => s.Get("crashy").Run >= 6, "a new start after reset");
    }

    [Fact]
    public async Task Backoff_resets_after_ten_healthy_minutes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var t = await TestSupervisor.StartAsync(time: time);
        var s = t.Supervisor;
        var flag = Path.Combine(t.Home.Path, "crash-now");
        // Runs until the flag file appears, then exits 1 (and removes it, so the next run stays up).
        await s.CreateAsync(new InstanceSpec { Name = "steady", Command = $"while [ ! -e {flag} ]; do sleep 0.05; done; rm -f {flag}; exit 1", Health = "none", Restart = RestartPolicy.OnFailure });
        await s.StartAsync("steady");
        await Eventually.StateAsync(s, "steady", InstanceState.Ready);
        await File.WriteAllTextAsync(flag, "");
        await Eventually.TrueAsync(() => s.Get("steady").Run == 2 && s.Get("steady").State == InstanceState.Ready, "immediate restart");
        await File.WriteAllTextAsync(flag, "");
        await Eventually.StateAsync(s, "steady", InstanceState.Backoff);
        time.Advance(TimeSpan.FromSeconds(12));
        await Eventually.TrueAsync(() => s.Get("steady").Run == 3 && s.Get("steady").State == InstanceState.Ready, "restart after backoff");

        // Ten minutes healthy: the next crash restarts at once again.
        time.Advance(TimeSpan.FromMinutes(10));
        await File.WriteAllTextAsync(flag, "");
        await Eventually.TrueAsync(() => s.Get("steady").Run == 4 && s.Get("steady").State == InstanceState.Ready, "immediate restart after a healthy stretch");
    }

    [Fact]
    public async Task Policies_never_and_on_failure_leave_a_stopped_or_failed_instance()
    {
        await using var t = await TestSupervisor.StartAsync();
        var s = t.Supervisor;
        await s.CreateAsync(new InstanceSpec { Name = "once", Command = "exit 0", Health = "none", Restart = RestartPolicy.OnFailure });
        await s.CreateAsync(new InstanceSpec { Name = "never", Command = "exit 2", Health = "none", Restart = RestartPolicy.Never });
        await s.StartAsync("once");
        await s.StartAsync("never");
        await Eventually.TrueAsync(() => s.Get("once").State == InstanceState.Stopped && s.Get("once").Desired == DesiredState.Stopped, "clean exit stops");
        await Eventually.StateAsync(s, "never", InstanceState.Failed);
        Assert.Equal("exited with code 2", s.Get("never").Reason);
        Assert.Equal(1, s.Get("never").Run);
    }
}
