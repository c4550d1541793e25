using System.Collections.Concurrent;

namespace Hearth.Router.Access;

/// <summary>
/// Limits in this process: each key has its windows behind one small lock, held for the few hundred
/// nanoseconds a check takes. Requests for different keys never contend; a lock-free version would
/// need a CAS over 60 buckets plus the budget, which is harder to prove exact for no measurable gain.
/// </summary>
internal sealed class InMemoryRateLimiter : IRateLimiter
{
    private readonly ConcurrentDictionary<string, Counters> counters = new(StringComparer.Ordinal);
    private readonly BudgetLedger? ledger;

    /// <param name="ledger">Where budgets are kept across restarts; null = memory only (the Redis limiter's fallback).</param>
    public InMemoryRateLimiter(BudgetLedger? ledger = null)
    {
        this.ledger = ledger;
    }

    public ValueTask<LimitDecision> AcquireAsync(VirtualKey key, DateTimeOffset now, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Acquire(key, now));

    public ValueTask RecordAsync(VirtualKey key, long tokens, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Record(key, tokens, now);
        return ValueTask.CompletedTask;
    }

    public LimitDecision Acquire(VirtualKey key, DateTimeOffset now)
    {
        var spec = key.Spec;
        var c = counters.GetOrAdd(key.Id, _ => new Counters());
        var nowMs = now.ToUnixTimeMilliseconds();
        var second = Math.DivRem(nowMs, 1000).Quotient;
        lock (c)
        {
            long? tokensLeft = null;
            if (spec.Tpm is { } tpm)
            {
                var used = c.Tokens.Sum(second);
                if (used >= tpm)
                {
                    return new(false, LimitKind.Tokens, c.Tokens.TimeUntilAtMost(tpm - 1, nowMs), RequestsLeft(c, spec, second), 0);
                }

                tokensLeft = tpm - used;
            }

            if (spec.BudgetTokens is { } budget)
            {
                var start = BudgetPeriods.Start(spec.BudgetPeriod, now);
                if (c.BudgetStart != start)
                {
                    c.BudgetStart = start;
                    c.BudgetUsed = ledger?.Load(key.Id, start) ?? 0; // once per key and period
                }

                if (c.BudgetUsed >= budget)
                {
                    return new(false, LimitKind.Budget, BudgetPeriods.End(spec.BudgetPeriod, now) - now, RequestsLeft(c, spec, second), 0);
                }

                tokensLeft = Math.Min(tokensLeft ?? long.MaxValue, budget - c.BudgetUsed);
            }

            long? requestsLeft = null;
            if (spec.Rpm is { } rpm)
            {
                var made = c.Requests.Sum(second);
                if (made >= rpm)
                {
                    return new(false, LimitKind.Requests, c.Requests.TimeUntilAtMost(rpm - 1, nowMs), 0, tokensLeft);
                }

                c.Requests.Add(second, 1);
                requestsLeft = rpm - made - 1;
            }

            return new(true, LimitKind.None, TimeSpan.Zero, requestsLeft, tokensLeft);
        }
    }

    public void Record(VirtualKey key, long tokens, DateTimeOffset now)
    {
        var spec = key.Spec;
        if (tokens <= 0 || (spec.Tpm is null && spec.BudgetTokens is null))
        {
            return;
        }

        var c = counters.GetOrAdd(key.Id, _ => new Counters());
        lock (c)
        {
            c.Tokens.Add(Math.DivRem(now.ToUnixTimeMilliseconds(), 1000).Quotient, tokens);
            var start = BudgetPeriods.Start(spec.BudgetPeriod, now);
            if (c.BudgetStart != start)
            {
                c.BudgetStart = start;
                c.BudgetUsed = spec.BudgetTokens is null ? 0 : ledger?.Load(key.Id, start) ?? 0;
            }

            c.BudgetUsed += tokens;
        }

        if (spec.BudgetTokens is not null)
        {
            ledger?.Add(key.Id, BudgetPeriods.Start(spec.BudgetPeriod, now), tokens);
        }
    }

    private static long? RequestsLeft(Counters c, KeySpec spec, long second) =>
        spec.Rpm is { } rpm ? Math.Max(0, rpm - c.Requests.Sum(second)) : null;

    private sealed class Counters
    {
        public SlidingWindow Requests { get; } = new();

        public SlidingWindow Tokens { get; } = new();

        public DateTimeOffset BudgetStart { get; set; }

        public long BudgetUsed { get; set; }
    }
}
