using System.Text;

namespace Hearth.Router.Routing;

/// <summary>
/// FNV-1a 64 with a splitmix64 finish: stable across processes and machines (string.GetHashCode is
/// randomised per process), so every router replica maps a session or prefix to the same backend.
/// </summary>
public static class StableHash
{
    public static ulong Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Of(text.AsSpan());
    }

    public static ulong Of(ReadOnlySpan<char> text)
    {
        var hash = 14695981039346656037UL;
        Span<byte> buffer = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            var n = rune.EncodeToUtf8(buffer);
            for (var i = 0; i < n; i++)
            {
                hash = (hash ^ buffer[i]) * 1099511628211UL;
            }
        }

        return Mix(hash);
    }

    public static ulong Combine(ulong a, ulong b) => Mix(a ^ (b + 0x9E3779B97F4A7C15UL + (a << 6) + (a >> 2)));

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    internal static int Utf8Length(string s) => Encoding.UTF8.GetByteCount(s);
}
