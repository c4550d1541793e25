using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Hearth.Router.Access;

/// <summary>
/// Limits shared by every router replica through Redis: one EVALSHA per check (the script runs
/// atomically inside Redis, so concurrent replicas cannot both take the last slot).
/// </summary>
/// <remarks>
/// When Redis is unreachable the limiter neither refuses everyone (fail closed would turn a cache
/// outage into a full outage) nor drops limits (fail open would let one key flood the backends): it
/// falls back to <see cref="InMemoryRateLimiter"/>, so each replica still enforces the limits on its
/// own traffic, logs a warning once per outage, and returns to Redis as soon as it answers again.
/// Keys, revocation, expiry and model permissions never depend on Redis (they come from the SQLite snapshot).
/// </remarks>
internal sealed class RedisRateLimiter : IRateLimiter
{
    private readonly IConnectionMultiplexer redis;
    private readonly InMemoryRateLimiter fallback = new();
    private readonly ILogger logger;
    private int down; // 1 while Redis is failing: warn once per outage, not per request
    private long fallbacks;

    public RedisRateLimiter(IConnectionMultiplexer redis, ILogger logger)
    {
        this.redis = redis;
        this.logger = logger;
    }

    /// <summary>True while the last Redis call failed and local counters are in force.</summary>
    public bool UsingFallback => Volatile.Read(ref down) == 1;

    /// <summary>Checks and records answered by the local counters because Redis failed, since start.</summary>
    public long Fallbacks => Interlocked.Read(ref fallbacks);

    public async ValueTask<LimitDecision> AcquireAsync(VirtualKey key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var spec = key.Spec;
        var nowMs = now.ToUnixTimeMilliseconds();
        var periodEnd = BudgetPeriods.End(spec.BudgetPeriod, now);
        RedisKey[] keys = [RpmKey(key), TpmKey(key), BudgetKey(key, now)];
        RedisValue[] args = [nowMs, spec.Rpm ?? 0, spec.Tpm ?? 0, spec.BudgetTokens ?? 0, periodEnd.ToUnixTimeMilliseconds()];
        try
        {
            var result = (RedisResult[])(await EvalAsync(LimitScripts.AcquireSha, LimitScripts.Acquire, keys, args).ConfigureAwait(false))!;
            Recovered();
            var requestsLeft = (long)result[3];
            var tokensLeft = (long)result[4];
            return new LimitDecision(
                (long)result[0] == 1,
                (LimitKind)(int)(long)result[1],
                TimeSpan.FromMilliseconds((long)result[2]),
                requestsLeft < 0 ? null : requestsLeft,
                tokensLeft < 0 ? null : tokensLeft);
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            Failed(ex);
            return fallback.Acquire(key, now);
        }
    }

    public async ValueTask RecordAsync(VirtualKey key, long tokens, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var spec = key.Spec;
        if (tokens <= 0 || (spec.Tpm is null && spec.BudgetTokens is null))
        {
            return;
        }

        // The budget counter lives until its period ends (plus a minute of slack for clock skew).
        var ttl = (BudgetPeriods.End(spec.BudgetPeriod, now) - now + TimeSpan.FromMinutes(1)).TotalMilliseconds;
        RedisKey[] keys = [TpmKey(key), BudgetKey(key, now)];
        RedisValue[] args = [now.ToUnixTimeMilliseconds(), tokens, (long)ttl, spec.Tpm is null ? 0 : 1, spec.BudgetTokens is null ? 0 : 1];
        try
        {
            await EvalAsync(LimitScripts.RecordSha, LimitScripts.Record, keys, args).ConfigureAwait(false);
            Recovered();
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            Failed(ex);
            fallback.Record(key, tokens, now);
        }
    }

    // EVALSHA: the script's text crosses the wire only when Redis has not seen it (first use, or after a
    // restart emptied its script cache), answered NOSCRIPT; EVAL then runs it and caches it again.
    private async Task<RedisResult> EvalAsync(byte[] sha, string script, RedisKey[] keys, RedisValue[] args)
    {
        var db = redis.GetDatabase();
        try
        {
            return await db.ScriptEvaluateAsync(sha, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await db.ScriptEvaluateAsync(script, keys, args).ConfigureAwait(false);
        }
    }

    // All of one key's counters share the hash tag {hk:id}, so they live on one Redis Cluster slot.
    private static RedisKey RpmKey(VirtualKey key) => "{hk:" + key.Id + "}:rpm";

    private static RedisKey TpmKey(VirtualKey key) => "{hk:" + key.Id + "}:tpm";

    private static RedisKey BudgetKey(VirtualKey key, DateTimeOffset now) =>
        "{hk:" + key.Id + "}:budget:" + BudgetPeriods.Start(key.Spec.BudgetPeriod, now).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static bool IsOutage(Exception ex) =>
        ex is RedisConnectionException or RedisTimeoutException or TimeoutException
        || (ex is RedisException && ex is not RedisServerException);

    private void Failed(Exception ex)
    {
        Interlocked.Increment(ref fallbacks);
        if (Interlocked.Exchange(ref down, 1) == 0)
        {
            AccessLog.RedisLimiterDown(logger, ex.GetType().Name + ": " + ex.Message);
        }
    }

    private void Recovered()
    {
        if (Interlocked.Exchange(ref down, 0) == 1)
        {
            AccessLog.RedisLimiterBack(logger);
        }
    }
}
