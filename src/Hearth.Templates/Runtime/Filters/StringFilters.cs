using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Hearth.Templates.Runtime.Methods;
using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime.Filters;

/// <summary>Text filters: trim, upper, lower, title, capitalize, replace, indent, tojson, string, format, ...</summary>
internal static partial class StringFilters
{
    public static void Register(Dictionary<string, FilterFunction> f)
    {
        f["trim"] = (_, v, a) => StringMethods.Strip(Str(v), a.Get(0, "chars"), left: true, right: true);
        f["upper"] = (_, v, _) => Str(v).ToUpperInvariant();
        f["lower"] = (_, v, _) => Str(v).ToLowerInvariant();
        f["title"] = (_, v, _) => Title(Str(v));
        f["capitalize"] = (_, v, _) => StringMethods.Capitalize(Str(v));
        f["replace"] = (_, v, a) => StringMethods.Replace(Str(v), Str(a.Get(0, "old")), Str(a.Get(1, "new")), Operators.ToLong(a.Get(2, "count", -1L)));
        f["string"] = (_, v, _) => Str(v);
        f["safe"] = (_, v, _) => v;
        f["escape"] = f["e"] = f["forceescape"] = (_, v, _) => WebUtility.HtmlEncode(Str(v));
        f["striptags"] = (_, v, _) => Whitespace().Replace(Tags().Replace(Str(v), ""), " ").Trim();
        f["indent"] = (_, v, a) => Indent(Str(v), a.Get(0, "width", 4L), Operators.IsTruthy(a.Get(1, "first", false)), Operators.IsTruthy(a.Get(2, "blank", false)));
        f["center"] = (_, v, a) => StringMethods.Call(Str(v), "center", a.Has(0, "width") ? a : new CallArgs([80L], []));
        f["wordcount"] = (_, v, _) => (long)Words().Count(Str(v));
        f["truncate"] = (_, v, a) => Truncate(Str(v), (int)Operators.ToLong(a.Get(0, "length", 255L)), Operators.IsTruthy(a.Get(1, "killwords", false)), Str(a.Get(2, "end", "...")), (int)Operators.ToLong(a.Get(3, "leeway", 5L)));
        f["format"] = (_, v, a) => PythonFormat.Percent(Str(v), a.Named.Count > 0 ? ToDict(a.Named) : a.Positional.ToArray());
        f["tojson"] = (_, v, a) => ToJson(v, a);
        f["pprint"] = (_, v, _) => ValueText.Repr(v);
        f["urlencode"] = (_, v, _) => Uri.EscapeDataString(Str(v));
    }

    private static string Str(object? value) => ValueText.ToStr(value);

    private static Dict ToDict(List<KeyValuePair<string, object?>> pairs)
    {
        var dict = new Dict();
        foreach (var pair in pairs)
        {
            dict[pair.Key] = pair.Value;
        }

        return dict;
    }

    /// <summary>Jinja's title filter: capitalize each word, words start after whitespace, '-', or an opening bracket.</summary>
    private static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        var wordStart = true;
        foreach (var c in s)
        {
            var separator = char.IsWhiteSpace(c) || c is '-' or '(' or '{' or '[' or '<';
            sb.Append(separator ? c : wordStart ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            wordStart = separator;
        }

        return sb.ToString();
    }

    /// <summary>Jinja 3.1's indent: indents every line but the first (unless first=True), skips blank lines unless blank=True.</summary>
    private static string Indent(string s, object? width, bool first, bool blank)
    {
        var indentation = width is string w ? w : new string(' ', (int)Operators.ToLong(width));
        var lines = StringMethods.SplitLines(s + "\n");
        var sb = new StringBuilder();
        for (var i = 0; i < lines.Count; i++)
        {
            if (i > 0)
            {
                sb.Append('\n');
                if (blank || lines[i].Length > 0)
                {
                    sb.Append(indentation);
                }
            }

            sb.Append(lines[i]);
        }

        return first ? indentation + sb : sb.ToString();
    }

    private static string Truncate(string s, int length, bool killWords, string end, int leeway)
    {
        if (s.Length <= length + leeway)
        {
            return s;
        }

        var cut = Math.Max(0, length - end.Length);
        if (killWords)
        {
            return s[..cut] + end;
        }

        var text = s[..cut];
        var space = text.LastIndexOf(' ');
        return (space > 0 ? text[..space] : text) + end;
    }

    /// <summary>HF transformers' tojson: json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys).</summary>
    private static string ToJson(object? value, CallArgs args)
    {
        var indentArg = args.Get(0, "indent");
        string? indent = indentArg switch
        {
            null or Undefined => null,
            string s => s,
            _ => new string(' ', (int)Math.Max(0, Operators.ToLong(indentArg))),
        };
        var itemSeparator = indent is null ? ", " : ",";
        var keySeparator = ": ";
        if (args.Get(-1, "separators") is IList<object?> { Count: 2 } separators)
        {
            itemSeparator = Str(separators[0]);
            keySeparator = Str(separators[1]);
        }

        return JsonValues.ToJson(value, indent, itemSeparator, keySeparator, Operators.IsTruthy(args.Get(-1, "sort_keys", false)));
    }

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"\w+")]
    private static partial Regex Words();
}
