namespace Hearth.Engine.Generation;

/// <summary>
/// Finds stop strings in streamed text. Text that could still be the start of a stop string is held
/// back until the next piece decides it, so a client never sees part of a stop string; text before a
/// matched stop string is released and everything after it is dropped.
/// </summary>
public sealed class StopStringMatcher
{
    private readonly string[] stops;
    private readonly int longest;
    private string pending = string.Empty;

    public StopStringMatcher(IEnumerable<string>? stops)
    {
        this.stops = stops?.Where(s => !string.IsNullOrEmpty(s)).Distinct().ToArray() ?? [];
        longest = this.stops.Length == 0 ? 0 : this.stops.Max(s => s.Length);
    }

    /// <summary>True once a stop string has been seen; later input is ignored.</summary>
    public bool Stopped { get; private set; }

    /// <summary>The stop string that ended the text, if any.</summary>
    public string? MatchedStop { get; private set; }

    /// <summary>Adds a piece of text; returns the text that is now safe to emit.</summary>
    public string Push(string piece)
    {
        if (Stopped || string.IsNullOrEmpty(piece))
        {
            return string.Empty;
        }

        if (stops.Length == 0)
        {
            return piece;
        }

        var text = pending + piece;
        var first = -1;
        foreach (var stop in stops)
        {
            var at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first))
            {
                first = at;
                MatchedStop = stop;
            }
        }

        if (first >= 0)
        {
            Stopped = true;
            pending = string.Empty;
            return text[..first];
        }

        // Hold back the longest suffix that is a prefix of some stop string.
        var hold = 0;
        for (var len = Math.Min(longest - 1, text.Length); len > 0 && hold == 0; len--)
        {
            var suffix = text.AsSpan(text.Length - len);
            foreach (var stop in stops)
            {
                if (stop.Length > len && stop.AsSpan().StartsWith(suffix, StringComparison.Ordinal))
                {
                    hold = len;
                    break;
                }
            }
        }

        pending = text[(text.Length - hold)..];
        return text[..(text.Length - hold)];
    }

    /// <summary>At the end of generation: releases text that was held back but never completed a stop string.</summary>
    public string Flush()
    {
        var rest = Stopped ? string.Empty : pending;
        pending = string.Empty;
        return rest;
    }
}
