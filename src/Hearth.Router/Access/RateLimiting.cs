namespace Hearth.Router.Access;

/// <summary>Which limit refused a request.</summary>
internal enum LimitKind
{
    None = 0,
    Requests = 1,
    Tokens = 2,
    Budget = 3,
}

/// <summary>A limiter's answer. Remaining counts are null when the key has no such limit.</summary>
internal readonly record struct LimitDecision(
    bool Allowed,
    LimitKind RefusedBy,
    TimeSpan RetryAfter,
    long? RemainingRequests,
    long? RemainingTokens);

/// <summary>
/// Counts a key's requests and tokens. One check-and-reserve per request must be atomic with respect
/// to every other request for the same key (in this process, or across replicas for Redis).
/// </summary>
/// <remarks>
/// Window semantics, the same in both implementations: rpm and tpm are sliding windows of sixty
/// one-second buckets (a request counts for the 60 s after its second began), so there is no burst of
/// 2x the limit at a minute boundary as fixed windows allow, while memory per key stays 60 counters
/// whatever the limit (an exact log of timestamps would grow with rpm). The token budget is a fixed
/// UTC calendar period (hour, day, ISO week, month), which is what people mean by a budget.
/// tpm and budget are checked, not reserved, at admission: a request's tokens are known only after it ran.
/// </remarks>
internal interface IRateLimiter
{
    ValueTask<LimitDecision> AcquireAsync(VirtualKey key, DateTimeOffset now, CancellationToken cancellationToken);

    ValueTask RecordAsync(VirtualKey key, long tokens, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>The UTC calendar periods a budget covers.</summary>
internal static class BudgetPeriods
{
    public static DateTimeOffset Start(BudgetPeriod period, DateTimeOffset now)
    {
        var t = now.UtcDateTime;
        var start = period switch
        {
            BudgetPeriod.Hour => new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0, DateTimeKind.Utc),
            BudgetPeriod.Day => t.Date,
            BudgetPeriod.Week => t.Date.AddDays(-(((int)t.DayOfWeek + 6) % 7)), // ISO weeks start on Monday
            _ => new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Utc),
        };
        return new DateTimeOffset(start, TimeSpan.Zero);
    }

    public static DateTimeOffset End(BudgetPeriod period, DateTimeOffset now)
    {
        var start = Start(period, now);
        return period switch
        {
            BudgetPeriod.Hour => start.AddHours(1),
            BudgetPeriod.Day => start.AddDays(1),
            BudgetPeriod.Week => start.AddDays(7),
            _ => start.AddMonths(1),
        };
    }
}
