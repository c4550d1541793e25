using Hearth.Router.Access;
using Hearth.Router.Tests.Support;
using StackExchange.Redis;

namespace Hearth.Router.Tests.Access;

/// <summary>The Redis limiter against a real redis-server: same windows as in memory, shared, and what happens when Redis dies.</summary>
public sealed class RedisLimiterTests : IAsyncLifetime
{
    private readonly RouterFixture fx = new();
    private RedisServer redis = null!;
    private ConnectionMultiplexer connection = null!;

    public async Task InitializeAsync()
    {
        redis = await RedisServer.LaunchAsync();
        connection = await ConnectionMultiplexer.ConnectAsync(RedisConnection.Options(redis.Url));
    }

    public async Task DisposeAsync()
    {
        await connection.DisposeAsync();
        await redis.DisposeAsync();
        fx.Dispose();
    }

    [Fact]
    public async Task Rpm_tpm_and_budget_behave_as_in_memory_and_are_shared_by_replicas()
    {
        var key = fx.CreateKey(new KeySpec(Rpm: 2, Tpm: 100, BudgetTokens: 150, BudgetPeriod: BudgetPeriod.Hour));
        var a = fx.RedisGate(connection, out _);
        using var other = await ConnectionMultiplexer.ConnectAsync(RedisConnection.Options(redis.Url));
        var b = fx.RedisGate(other, out _);

        var first = await a.AdmitAsync(key, "chat", CancellationToken.None);
        Assert.Equal(GateOutcome.Allowed, first.Outcome);
        Assert.Equal(1, first.RemainingRequests);
        Assert.Equal(100, first.RemainingTokens);
        await a.RecordUsageAsync(first.Key!, 70, CancellationToken.None);

        var second = await b.AdmitAsync(key, "chat", CancellationToken.None); // the other replica sees a's request and tokens
        Assert.Equal(0, second.RemainingRequests);
        Assert.Equal(30, second.RemainingTokens);

        var third = await b.AdmitAsync(key, "chat", CancellationToken.None);
        Assert.Equal(GateOutcome.RateLimited, third.Outcome);
        Assert.Equal(TimeSpan.FromMilliseconds(59_500), third.RetryAfter);

        fx.Time.Advance(TimeSpan.FromMinutes(1));
        await b.RecordUsageAsync(first.Key!, 70, CancellationToken.None); // 140 of the hour's 150
        var fourth = await a.AdmitAsync(key, "chat", CancellationToken.None);
        Assert.Equal(GateOutcome.Allowed, fourth.Outcome);
        Assert.Equal(10, fourth.RemainingTokens); // the minute is fresh (30 left... of 100) but the budget has only 10
        await a.RecordUsageAsync(first.Key!, 10, CancellationToken.None);

        var broke = await a.AdmitAsync(key, "chat", CancellationToken.None);
        Assert.Equal(GateOutcome.RateLimited, broke.Outcome);
        Assert.Contains("budget per hour", broke.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMinutes(59) - TimeSpan.FromMilliseconds(500), broke.RetryAfter);
    }

    [Fact]
    public async Task Running_sums_in_redis_give_the_same_answers_as_the_in_memory_windows_over_a_random_walk()
    {
        // The Redis windows keep a running sum and drop one second at a time; the in-memory ones add up sixty buckets.
        // Same key, same clock, same requests and tokens: every answer (allowed, remaining, retry-after) must match,
        // across seconds, whole minutes and idle gaps longer than the window.
        var key = fx.CreateKey(new KeySpec(Rpm: 40, Tpm: 900));
        var clock = fx.DetachedClock(); // jumps of minutes; the fixture's clock would run the database watcher for each 250 ms
        var memory = fx.MemoryGate(clock: clock);
        var shared = fx.RedisGate(connection, out var limiter, clock);
        var random = new Random(1234);
        var refused = 0;
        for (var step = 0; step < 600; step++)
        {
            var m = await memory.AdmitAsync(key, "chat", CancellationToken.None);
            var r = await shared.AdmitAsync(key, "chat", CancellationToken.None);
            refused += m.Outcome == GateOutcome.RateLimited ? 1 : 0;
            Assert.Equal((m.Outcome, m.RemainingRequests, m.RemainingTokens, m.RetryAfter), (r.Outcome, r.RemainingRequests, r.RemainingTokens, r.RetryAfter));
            if (m.Outcome == GateOutcome.Allowed && random.Next(3) > 0)
            {
                var tokens = random.Next(1, 60);
                await memory.RecordUsageAsync(m.Key!, tokens, CancellationToken.None);
                await shared.RecordUsageAsync(r.Key!, tokens, CancellationToken.None);
            }

            var gap = random.Next(100) switch
            {
                < 60 => TimeSpan.FromMilliseconds(random.Next(0, 400)),
                < 97 => TimeSpan.FromMilliseconds(random.Next(400, 5_000)),
                _ => TimeSpan.FromSeconds(random.Next(50, 130)),
            };
            clock.Advance(gap);
        }

        Assert.InRange(refused, 50, 550); // both limits were reached and left again, many times
        Assert.False(limiter.UsingFallback);
        Assert.Equal(0, limiter.Fallbacks);
    }

    [Fact]
    public async Task When_redis_dies_limits_fall_back_to_local_counters_and_return_to_redis_when_it_is_back()
    {
        var warm = fx.CreateKey(new KeySpec(Rpm: 1000));
        var key = fx.CreateKey(new KeySpec(Rpm: 3));
        var gate = fx.RedisGate(connection, out var limiter);
        Assert.Equal(GateOutcome.Allowed, (await gate.AdmitAsync(warm, "chat", CancellationToken.None)).Outcome);

        await redis.StopAsync();

        // Redis is gone: requests are still answered, and limited by this replica's own counters.
        var during = new List<GateOutcome>();
        for (var i = 0; i < 5; i++)
        {
            during.Add((await gate.AdmitAsync(key, "chat", CancellationToken.None)).Outcome);
        }

        Assert.True(limiter.UsingFallback);
        Assert.True(limiter.Fallbacks >= 5);
        Assert.Equal([GateOutcome.Allowed, GateOutcome.Allowed, GateOutcome.Allowed, GateOutcome.RateLimited, GateOutcome.RateLimited], during);

        await redis.StartAsync(); // an empty Redis on the same port (no persistence): script cache and counters gone
        var deadline = DateTime.UtcNow.AddSeconds(60);
        GateDecision decision;
        do
        {
            await Task.Delay(200);
            decision = await gate.AdmitAsync(key, "chat", CancellationToken.None);
        }
        while (limiter.UsingFallback && DateTime.UtcNow < deadline);

        // Back on Redis (NOSCRIPT answered by EVAL): its fresh counters admit the key again.
        Assert.False(limiter.UsingFallback);
        Assert.Equal(GateOutcome.Allowed, decision.Outcome);
        Assert.InRange(decision.RemainingRequests!.Value, 0, 2);
        Assert.True(await redis.CallsAsync("eval") >= 1);
    }
}
