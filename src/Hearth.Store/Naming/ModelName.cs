namespace Hearth.Store;

/// <summary>
/// A validated, normalised model reference <c>name[:tag]</c>. Names are lower-cased; they hold
/// ASCII letters, digits, <c>. _ - /</c> (slash-separated segments, as in <c>hf.co/owner/repo</c>);
/// the optional tag after a single colon holds letters, digits, <c>. _ -</c> and defaults to
/// <see cref="DefaultTag"/>.
/// </summary>
public readonly record struct ModelName
{
    public const string DefaultTag = "latest";

    /// <summary>Longest accepted name part; long enough for hub paths, short enough for a table column.</summary>
    public const int MaxNameLength = 200;

    public const int MaxTagLength = 128;

    private ModelName(string name, string tag)
    {
        Name = name;
        Tag = tag;
    }

    public string Name { get; }

    public string Tag { get; }

    /// <summary>True when the parsed text named a tag explicitly.</summary>
    public bool HasExplicitTag { get; private init; }

    public override string ToString() => Name + ":" + Tag;

    /// <summary>Parses and normalises; throws <see cref="InvalidModelNameException"/> naming the problem.</summary>
    public static ModelName Parse(string text)
    {
        if (TryParse(text, out var result, out var reason))
        {
            return result;
        }

        throw new InvalidModelNameException(text ?? string.Empty, reason);
    }

    public static bool TryParse(string? text, out ModelName result) => TryParse(text, out result, out _);

    public static bool TryParse(string? text, out ModelName result, out string reason)
    {
        result = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            reason = "the name is empty";
            return false;
        }

        var lowered = text.Trim().ToLowerInvariant();
        var colon = lowered.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0 && lowered.IndexOf(':', colon + 1) >= 0)
        {
            reason = "only one ':' (before the tag) is allowed";
            return false;
        }

        var name = colon >= 0 ? lowered[..colon] : lowered;
        var tag = colon >= 0 ? lowered[(colon + 1)..] : DefaultTag;
        if (!ValidName(name, out reason) || !ValidTag(tag, out reason))
        {
            return false;
        }

        result = new ModelName(name, tag) { HasExplicitTag = colon >= 0 };
        reason = string.Empty;
        return true;
    }

    /// <summary>
    /// Turns arbitrary text (a file name, a repository name) into a valid name part by replacing
    /// every character outside the allowed set with '-'. Used to derive default names for pulls.
    /// </summary>
    public static string Sanitize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chars = text.Trim().ToLowerInvariant().ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!IsNameChar(chars[i]) || chars[i] == '/')
            {
                chars[i] = '-';
            }
        }

        var s = new string(chars).Trim('-', '.');
        if (s.Length > MaxNameLength)
        {
            s = s[..MaxNameLength].Trim('-', '.');
        }

        return s.Length == 0 ? "model" : s;
    }

    private static bool ValidName(string name, out string reason)
    {
        if (name.Length == 0)
        {
            reason = "the name before ':' is empty";
            return false;
        }

        if (name.Length > MaxNameLength)
        {
            reason = $"the name is longer than {MaxNameLength} characters";
            return false;
        }

        foreach (var c in name)
        {
            if (!IsNameChar(c))
            {
                reason = $"'{c}' is not allowed (use letters, digits, '.', '_', '-', '/')";
                return false;
            }
        }

        foreach (var segment in name.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
            {
                reason = "every '/'-separated part must be non-empty and not '.' or '..'";
                return false;
            }
        }

        reason = string.Empty;
        return true;
    }

    private static bool ValidTag(string tag, out string reason)
    {
        if (tag.Length == 0)
        {
            reason = "the tag after ':' is empty";
            return false;
        }

        if (tag.Length > MaxTagLength)
        {
            reason = $"the tag is longer than {MaxTagLength} characters";
            return false;
        }

        foreach (var c in tag)
        {
            if (!IsNameChar(c) || c == '/')
            {
                reason = $"'{c}' is not allowed in a tag (use letters, digits, '.', '_', '-')";
                return false;
            }
        }

        reason = string.Empty;
        return true;
    }

    // Lower-case only: Parse lower-cases first, so upper-case input is accepted and normalised.
    private static bool IsNameChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-' or '/';
}
