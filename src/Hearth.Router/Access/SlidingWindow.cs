namespace Hearth.Router.Access;

/// <summary>
/// Sixty one-second buckets: the sum over the last minute, with the time until enough of it expires.
/// Not thread-safe: <see cref="InMemoryRateLimiter"/> guards each key's windows with one lock.
/// </summary>
internal sealed class SlidingWindow
{
    public const int Seconds = 60;
    private readonly long[] bucketSecond = new long[Seconds];
    private readonly long[] count = new long[Seconds];

    public SlidingWindow()
    {
        Array.Fill(bucketSecond, long.MinValue);
    }

    /// <summary>Total of the buckets whose second lies in (now - 60, now].</summary>
    public long Sum(long nowSecond)
    {
        long sum = 0;
        for (var i = 0; i < Seconds; i++)
        {
            if (bucketSecond[i] > nowSecond - Seconds)
            {
                sum += count[i];
            }
        }

        return sum;
    }

    public void Add(long nowSecond, long amount)
    {
        var i = (int)(((nowSecond % Seconds) + Seconds) % Seconds);
        if (bucketSecond[i] != nowSecond)
        {
            bucketSecond[i] = nowSecond;
            count[i] = 0;
        }

        count[i] += amount;
    }

    /// <summary>How long until the sum falls to <paramref name="target"/> or below as old buckets expire.</summary>
    public TimeSpan TimeUntilAtMost(long target, long nowMs)
    {
        var nowSecond = Math.DivRem(nowMs, 1000).Quotient;
        var live = new List<(long Second, long Count)>(Seconds);
        long sum = 0;
        for (var i = 0; i < Seconds; i++)
        {
            if (bucketSecond[i] > nowSecond - Seconds)
            {
                live.Add((bucketSecond[i], count[i]));
                sum += count[i];
            }
        }

        live.Sort((a, b) => a.Second.CompareTo(b.Second));
        foreach (var (second, c) in live)
        {
            sum -= c;
            if (sum <= target)
            {
                return TimeSpan.FromMilliseconds(Math.Max(1, ((second + Seconds) * 1000) - nowMs));
            }
        }

        return TimeSpan.FromSeconds(1);
    }
}
