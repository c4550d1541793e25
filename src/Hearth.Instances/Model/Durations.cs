using System.Globalization;

namespace Hearth.Instances.Model;

/// <summary>Parses durations as users write them: 90, 90s, 10m, 1h, 500ms, 0 (= off).</summary>
public static class Durations
{
    public static TimeSpan Parse(string text, string field = "duration")
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim();
        (string digits, double scale) = s switch
        {
            _ when s.EndsWith("ms", StringComparison.Ordinal) => (s[..^2], 0.001),
            _ when s.EndsWith('s') => (s[..^1], 1),
            _ when s.EndsWith('m') => (s[..^1], 60),
            _ when s.EndsWith('h') => (s[..^1], 3600),
            _ => (s, 1),
        };
        if (!double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || double.IsInfinity(value))
        {
            throw new InstanceSpecException($"invalid {field} '{text}': use e.g. 30s, 10m, 1h or 0", field);
        }

        return TimeSpan.FromSeconds(value * scale);
    }

    public static string Format(TimeSpan span) => span.TotalSeconds switch
    {
        0 => "0",
        var s when s % 3600 == 0 => $"{s / 3600}h",
        var s when s % 60 == 0 => $"{s / 60}m",
        var s => string.Create(CultureInfo.InvariantCulture, $"{s}s"),
    };
}
