namespace Hearth.Server.Inference;

/// <summary>
/// Streams text while watching for stop strings: text that could still be the start of a stop string
/// is held back until it is either completed (generation stops, the stop string is never emitted)
/// or ruled out (the held text is released).
/// </summary>
internal sealed class StopMatcher
{
    private readonly IReadOnlyList<string> stops;
    private string pending = string.Empty;

    public StopMatcher(IReadOnlyList<string> stops)
    {
        this.stops = stops.Where(s => s.Length > 0).ToArray();
    }

    public bool Stopped { get; private set; }

    /// <summary>Adds generated text; returns the text that is now safe to emit.</summary>
    public string Push(string text)
    {
        if (Stopped)
        {
            return string.Empty;
        }

        if (stops.Count == 0)
        {
            return text;
        }

        pending += text;
        var cut = -1;
        foreach (var stop in stops)
        {
            var at = pending.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (cut < 0 || at < cut))
            {
                cut = at;
            }
        }

        if (cut >= 0)
        {
            Stopped = true;
            var before = pending[..cut];
            pending = string.Empty;
            return before;
        }

        var hold = LongestSuffixThatStartsAStop();
        var emit = pending[..(pending.Length - hold)];
        pending = pending[(pending.Length - hold)..];
        return emit;
    }

    /// <summary>Releases held text at the end of generation.</summary>
    public string Flush()
    {
        var rest = Stopped ? string.Empty : pending;
        pending = string.Empty;
        return rest;
    }

    private int LongestSuffixThatStartsAStop()
    {
        var best = 0;
        foreach (var stop in stops)
        {
            for (var len = Math.Min(stop.Length - 1, pending.Length); len > best; len--)
            {
                if (pending.AsSpan(pending.Length - len).SequenceEqual(stop.AsSpan(0, len)))
                {
                    best = len;
                    break;
                }
            }
        }

        return best;
    }
}
