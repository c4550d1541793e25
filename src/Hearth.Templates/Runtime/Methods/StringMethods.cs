using System.Text;
using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime.Methods;

/// <summary>Python str methods with Python's argument conventions (strip(chars), split(sep, maxsplit), ...).</summary>
internal static class StringMethods
{
    public static readonly HashSet<string> Names =
    [
        "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "upper", "lower",
        "title", "capitalize", "swapcase", "replace", "find", "rfind", "index", "rindex", "count", "format", "join",
        "isdigit", "isnumeric", "isalpha", "isalnum", "isspace", "isupper", "islower", "center", "ljust", "rjust",
        "zfill", "removeprefix", "removesuffix", "encode",
    ];

    public static object? Call(string s, string name, CallArgs args)
    {
        switch (name)
        {
            case "strip": return Strip(s, args.Get(0, "chars"), left: true, right: true);
            case "lstrip": return Strip(s, args.Get(0, "chars"), left: true, right: false);
            case "rstrip": return Strip(s, args.Get(0, "chars"), left: false, right: true);
            case "split": return Split(s, args.Get(0, "sep"), args.Get(1, "maxsplit", -1L));
            case "rsplit": return RSplit(s, args.Get(0, "sep"), Operators.ToLong(args.Get(1, "maxsplit", -1L)));
            case "splitlines": return SplitLines(s).Select(l => (object?)l).ToList();
            case "startswith": return Affix(s, args.Get(0, "prefix"), (x, p) => x.StartsWith(p, StringComparison.Ordinal));
            case "endswith": return Affix(s, args.Get(0, "suffix"), (x, p) => x.EndsWith(p, StringComparison.Ordinal));
            case "upper": return s.ToUpperInvariant();
            case "lower": return s.ToLowerInvariant();
            case "title": return PythonTitle(s);
            case "capitalize": return Capitalize(s);
            case "swapcase": return string.Concat(s.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)));
            case "replace": return Replace(s, Str(args.Get(0, "old")), Str(args.Get(1, "new")), Operators.ToLong(args.Get(2, "count", -1L)));
            case "find": return (long)s.IndexOf(Str(args.Get(0, "sub")), StringComparison.Ordinal);
            case "rfind": return (long)s.LastIndexOf(Str(args.Get(0, "sub")), StringComparison.Ordinal);
            case "index" or "rindex":
                var sub = Str(args.Get(0, "sub"));
                var at = name == "index" ? s.IndexOf(sub, StringComparison.Ordinal) : s.LastIndexOf(sub, StringComparison.Ordinal);
                return at >= 0 ? (long)at : throw new JinjaError("substring not found");
            case "count": return (long)Count(s, Str(args.Get(0, "sub")));
            case "format": return PythonFormat.Format(s, args);
            case "join": return string.Join(s, Operators.Iterate(args.Get(0, "iterable")).Select(ValueText.ToStr));
            case "isdigit" or "isnumeric": return s.Length > 0 && s.All(char.IsDigit);
            case "isalpha": return s.Length > 0 && s.All(char.IsLetter);
            case "isalnum": return s.Length > 0 && s.All(char.IsLetterOrDigit);
            case "isspace": return s.Length > 0 && s.All(char.IsWhiteSpace);
            case "isupper": return s.Any(char.IsLetter) && !s.Any(char.IsLower);
            case "islower": return s.Any(char.IsLetter) && !s.Any(char.IsUpper);
            case "center": return Center(s, (int)Operators.ToLong(args.Get(0, "width")), Str(args.Get(1, "fillchar", " ")));
            case "ljust": return s.PadRight((int)Operators.ToLong(args.Get(0, "width")), Str(args.Get(1, "fillchar", " "))[0]);
            case "rjust": return s.PadLeft((int)Operators.ToLong(args.Get(0, "width")), Str(args.Get(1, "fillchar", " "))[0]);
            case "zfill": return s.PadLeft((int)Operators.ToLong(args.Get(0, "width")), '0');
            case "removeprefix": var prefix = Str(args.Get(0, "prefix")); return s.StartsWith(prefix, StringComparison.Ordinal) ? s[prefix.Length..] : s;
            case "removesuffix": var suffix = Str(args.Get(0, "suffix")); return suffix.Length > 0 && s.EndsWith(suffix, StringComparison.Ordinal) ? s[..^suffix.Length] : s;
            case "encode": return s;
            default: throw new JinjaError($"'str' object has no method '{name}'");
        }
    }

    private static string Str(object? value) => value is string s ? s : ValueText.ToStr(value);

    public static string Strip(string s, object? chars, bool left, bool right)
    {
        var set = chars is string c ? c.ToCharArray() : Lexing.Lexer.PythonWhitespace;
        return left && right ? s.Trim(set) : left ? s.TrimStart(set) : s.TrimEnd(set);
    }

    public static List<object?> Split(string s, object? sep, object? maxSplit)
    {
        var max = Operators.ToLong(maxSplit ?? -1L);
        var result = new List<object?>();
        if (sep is null or Undefined)
        {
            // Python's split(): runs of whitespace separate, leading/trailing whitespace is dropped.
            var i = 0;
            while (i < s.Length)
            {
                while (i < s.Length && char.IsWhiteSpace(s[i]))
                {
                    i++;
                }

                if (i >= s.Length)
                {
                    break;
                }

                if (max >= 0 && result.Count == max)
                {
                    result.Add(s[i..].TrimEnd());
                    break;
                }

                var start = i;
                while (i < s.Length && !char.IsWhiteSpace(s[i]))
                {
                    i++;
                }

                result.Add(s[start..i]);
            }

            return result;
        }

        var separator = Str(sep);
        if (separator.Length == 0)
        {
            throw new JinjaError("empty separator");
        }

        var from = 0;
        while (max < 0 || result.Count < max)
        {
            var at = s.IndexOf(separator, from, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            result.Add(s[from..at]);
            from = at + separator.Length;
        }

        result.Add(s[from..]);
        return result;
    }

    private static List<object?> RSplit(string s, object? sep, long max)
    {
        if (max < 0 || sep is null or Undefined)
        {
            return Split(s, sep, max);
        }

        var separator = Str(sep);
        var parts = new List<object?>();
        var end = s.Length;
        while (parts.Count < max)
        {
            var at = end == 0 ? -1 : s.LastIndexOf(separator, end - 1, StringComparison.Ordinal);
            if (at < 0 || at + separator.Length > end)
            {
                break;
            }

            parts.Insert(0, s[(at + separator.Length)..end]);
            end = at;
        }

        parts.Insert(0, s[..end]);
        return parts;
    }

    /// <summary>Python's str.splitlines(): every line boundary Python knows, separators dropped.</summary>
    public static List<string> SplitLines(string s)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')
            {
                lines.Add(s[start..i]);
                if (c == '\r' && i + 1 < s.Length && s[i + 1] == '\n')
                {
                    i++;
                }

                start = i + 1;
            }
        }

        if (start < s.Length)
        {
            lines.Add(s[start..]);
        }

        return lines;
    }

    private static bool Affix(string s, object? affix, Func<string, string, bool> test) => affix switch
    {
        string a => test(s, a),
        IList<object?> options => options.Any(o => o is string a && test(s, a)),
        _ => throw new JinjaError("startswith/endswith takes a string or a tuple of strings"),
    };

    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0)
        {
            return old.Length == 0 ? InsertEverywhere(s, replacement) : s.Replace(old, replacement, StringComparison.Ordinal);
        }

        var sb = new StringBuilder();
        var from = 0;
        for (var n = 0; n < count; n++)
        {
            var at = s.IndexOf(old, from, StringComparison.Ordinal);
            if (at < 0 || old.Length == 0)
            {
                break;
            }

            sb.Append(s, from, at - from).Append(replacement);
            from = at + old.Length;
        }

        return sb.Append(s, from, s.Length - from).ToString();
    }

    private static string InsertEverywhere(string s, string insert)
    {
        var sb = new StringBuilder(insert);
        foreach (var c in s)
        {
            sb.Append(c).Append(insert);
        }

        return sb.ToString();
    }

    private static int Count(string s, string sub)
    {
        if (sub.Length == 0)
        {
            return s.Length + 1;
        }

        var n = 0;
        for (var at = s.IndexOf(sub, StringComparison.Ordinal); at >= 0; at = s.IndexOf(sub, at + sub.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    /// <summary>Python's str.title(): upper-case a letter after a non-letter, lower-case the rest.</summary>
    public static string PythonTitle(string s)
    {
        var sb = new StringBuilder(s.Length);
        var previousIsLetter = false;
        foreach (var c in s)
        {
            sb.Append(previousIsLetter ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousIsLetter = char.IsLetter(c);
        }

        return sb.ToString();
    }

    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    private static string Center(string s, int width, string fill)
    {
        if (width <= s.Length)
        {
            return s;
        }

        var total = width - s.Length;
        var left = (total / 2) + (total & width & 1);
        return new string(fill[0], left) + s + new string(fill[0], total - left);
    }
}
