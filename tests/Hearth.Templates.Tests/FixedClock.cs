namespace Hearth.Templates.Tests;

/// <summary>A clock frozen at one instant, local time zone UTC, so strftime_now is deterministic.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}
