using Hearth.Router.Config;

namespace Hearth.Router.Backends;

/// <summary>
/// The numbers routing decides on for one backend: in-flight count, health, circuit, smoothed time to
/// first token, last scraped load. Plain fields updated lock-free, so strategies stay pure functions
/// of these values and are tested without a network.
/// </summary>
public sealed class BackendState(string name, BackendTier tier = BackendTier.Local, int weight = 1, int maxConcurrency = 64)
{
    /// <summary>Weight of the newest sample in the TTFT average: 0.2 follows a change within ~10 requests without jumping on one outlier.</summary>
    public const double EwmaAlpha = 0.2;

    private int inFlight;
    private long openUntilTicks;
    private double ttftSeconds = double.NaN;
    private volatile bool healthy = true;
    private volatile LoadSample load = LoadSample.Unknown;

    public string Name { get; } = name;

    public BackendTier Tier { get; } = tier;

    public int Weight { get; } = weight;

    public int MaxConcurrency { get; } = maxConcurrency;

    public int InFlight => Volatile.Read(ref inFlight);

    public bool Saturated => InFlight >= MaxConcurrency;

    /// <summary>Set by active health checks; a backend starts healthy until its first check says otherwise.</summary>
    public bool Healthy
    {
        get => healthy;
        set => healthy = value;
    }

    /// <summary>Smoothed time to first byte in seconds; NaN before the first sample.</summary>
    public double TtftSeconds => Volatile.Read(ref ttftSeconds);

    public LoadSample Load
    {
        get => load;
        set => load = value;
    }

    public void Enter() => Interlocked.Increment(ref inFlight);

    public void Exit() => Interlocked.Decrement(ref inFlight);

    public void RecordTtft(TimeSpan elapsed)
    {
        var sample = elapsed.TotalSeconds;
        double old, updated;
        do
        {
            old = Volatile.Read(ref ttftSeconds);
            updated = double.IsNaN(old) ? sample : old + (EwmaAlpha * (sample - old));
        }
        while (BitConverter.DoubleToInt64Bits(Interlocked.CompareExchange(ref ttftSeconds, updated, old)) != BitConverter.DoubleToInt64Bits(old));
    }

    /// <summary>The circuit breaker opened: no traffic until <paramref name="until"/>; after it, one probe is let through.</summary>
    public void OpenCircuit(DateTimeOffset until) => Interlocked.Exchange(ref openUntilTicks, until.UtcTicks);

    public void CloseCircuit() => Interlocked.Exchange(ref openUntilTicks, 0);

    public bool CircuitOpen(DateTimeOffset now) => now.UtcTicks < Interlocked.Read(ref openUntilTicks);

    /// <summary>When the open circuit lets traffic through again (for Retry-After); null when closed.</summary>
    public DateTimeOffset? CircuitOpenUntil(DateTimeOffset now)
    {
        var ticks = Interlocked.Read(ref openUntilTicks);
        return now.UtcTicks < ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
    }

    public bool Available(DateTimeOffset now) => Healthy && !CircuitOpen(now);
}
