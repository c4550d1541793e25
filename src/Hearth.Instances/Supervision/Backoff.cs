namespace Hearth.Instances.Supervision;

/// <summary>
/// Restart delays: the first restart after a failure is immediate, then Initial, doubling up to Max, each ±Jitter
/// (so instances that crashed together do not restart in lockstep). Pure: the caller keeps the failure count.
/// </summary>
public static class Backoff
{
    /// <param name="failures">Consecutive failures so far, this one included (1 = first).</param>
    public static TimeSpan Delay(int failures, BackoffOptions options, Random random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        if (failures <= 1)
        {
            return TimeSpan.Zero;
        }

        var doublings = Math.Min(failures - 2, 30);
        var baseSeconds = Math.Min(options.Initial.TotalSeconds * Math.Pow(2, doublings), options.Max.TotalSeconds);
        var factor = 1 + (((random.NextDouble() * 2) - 1) * options.Jitter);
        return TimeSpan.FromSeconds(baseSeconds * factor);
    }
}
