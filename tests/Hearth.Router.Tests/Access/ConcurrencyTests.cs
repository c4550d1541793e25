using Hearth.Router.Access;
using Hearth.Router.Tests.Support;
using StackExchange.Redis;

namespace Hearth.Router.Tests.Access;

/// <summary>
/// Limits hold under concurrency: M requests fired at once against an rpm of N admit exactly N,
/// in one process (in-memory counters) and across two gates sharing one real redis-server (two replicas).
/// </summary>
public sealed class ConcurrencyTests : IDisposable
{
    private const int Rpm = 50;
    private const int Requests = 400;
    private readonly RouterFixture fx = new();

    public void Dispose() => fx.Dispose();

    [Fact]
    public async Task In_memory_exactly_N_of_M_concurrent_requests_pass()
    {
        var key = fx.CreateKey(new KeySpec(Rpm: Rpm));
        var gate = fx.MemoryGate();

        var outcomes = await FireAsync(Requests, _ => gate.AdmitAsync(key, "chat", CancellationToken.None));

        Assert.Equal(Rpm, outcomes.Count(o => o == GateOutcome.Allowed));
        Assert.Equal(Requests - Rpm, outcomes.Count(o => o == GateOutcome.RateLimited));
    }

    [Fact]
    public async Task Two_replicas_sharing_one_redis_admit_exactly_N_of_M_between_them()
    {
        await using var redis = await RedisServer.LaunchAsync();
        var key = fx.CreateKey(new KeySpec(Rpm: Rpm));
        using var connectionA = await ConnectionMultiplexer.ConnectAsync(RedisConnection.Options(redis.Url));
        using var connectionB = await ConnectionMultiplexer.ConnectAsync(RedisConnection.Options(redis.Url));
        var replicaA = fx.RedisGate(connectionA, out var limiterA);
        var replicaB = fx.RedisGate(connectionB, out var limiterB);

        // Warm Redis's script cache with another key, so the burst below is pure EVALSHA.
        var warm = fx.CreateKey(new KeySpec(Rpm: 1000));
        Assert.Equal(GateOutcome.Allowed, (await replicaA.AdmitAsync(warm, "chat", CancellationToken.None)).Outcome);
        var evalshaBefore = await redis.CallsAsync("evalsha");
        var evalBefore = await redis.CallsAsync("eval");

        var outcomes = await FireAsync(Requests, i => (i % 2 == 0 ? replicaA : replicaB).AdmitAsync(key, "chat", CancellationToken.None));

        Assert.Equal(0, limiterA.Fallbacks + limiterB.Fallbacks); // every answer came from Redis
        Assert.Equal(Rpm, outcomes.Count(o => o == GateOutcome.Allowed));
        Assert.Equal(Requests - Rpm, outcomes.Count(o => o == GateOutcome.RateLimited));
        // exactly one round-trip per check, by the script's hash
        Assert.Equal(Requests, await redis.CallsAsync("evalsha") - evalshaBefore);
        Assert.Equal(evalBefore, await redis.CallsAsync("eval"));
    }

    private static async Task<GateOutcome[]> FireAsync(int count, Func<int, ValueTask<GateDecision>> admit)
    {
        // An async start signal: blocking pool threads on a wait would starve the Redis client's continuations.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return (await admit(i)).Outcome;
        })).ToArray();
        start.SetResult();
        return await Task.WhenAll(tasks);
    }
}
