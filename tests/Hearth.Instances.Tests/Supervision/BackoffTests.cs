using Hearth.Instances.Supervision;

namespace Hearth.Instances.Tests.Supervision;

public sealed class BackoffTests
{
    [Fact]
    public void First_restart_is_immediate_then_10s_doubling_to_5min_within_10_percent()
    {
        var options = new BackoffOptions();
        var random = new Random(7);
        Assert.Equal(TimeSpan.Zero, Backoff.Delay(1, options, random));
        double[] expected = [10, 20, 40, 80, 160, 300, 300, 300];
        for (var i = 0; i < expected.Length; i++)
        {
            var delay = Backoff.Delay(i + 2, options, random).TotalSeconds;
            Assert.InRange(delay, expected[i] * 0.9, expected[i] * 1.1);
        }
    }

    [Fact]
    public void Jitter_spreads_delays()
    {
        var options = new BackoffOptions();
        var random = new Random(1);
        var delays = Enumerable.Range(0, 50).Select(_ => Backoff.Delay(2, options, random).TotalSeconds).ToList();
        Assert.True(delays.Distinct().Count() > 40);
        Assert.All(delays, d => Assert.InRange(d, 9, 11));
    }

    [Fact]
    public void The_start_limit_allows_5_in_10_minutes()
    {
        var limiter = new StartLimiter(new BackoffOptions());
        var t0 = DateTimeOffset.UnixEpoch;
        for (var i = 0; i < 5; i++)
        {
            Assert.True(limiter.TryStart(t0 + TimeSpan.FromMinutes(i)));
        }

        Assert.False(limiter.TryStart(t0 + TimeSpan.FromMinutes(9)));
        Assert.True(limiter.TryStart(t0 + TimeSpan.FromMinutes(10)));
        limiter.Reset();
        Assert.True(limiter.TryStart(t0 + TimeSpan.FromMinutes(10)));
    }
}
