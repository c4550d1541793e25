using Hearth.Templates.Runtime.Methods;
using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime.Filters;

/// <summary>Filters over sequences and mappings: length, join, first, last, list, items, sort, unique, ...</summary>
internal static class CollectionFilters
{
    public static void Register(Dictionary<string, FilterFunction> f)
    {
        f["default"] = f["d"] = (_, v, a) =>
            v is Undefined || (Operators.IsTruthy(a.Get(1, "boolean", false)) && !Operators.IsTruthy(v)) ? a.Get(0, "default_value", "") : v;
        f["length"] = f["count"] = (_, v, _) => (long)Length(v);
        f["items"] = (_, v, _) => v switch
        {
            Dict d => DictMethods.Items(d),
            Undefined or null => new List<object?>(),
            _ => throw new JinjaError($"items filter needs a mapping, got {ValueText.TypeName(v)}"),
        };
        f["join"] = (_, v, a) => Join(v, a);
        f["first"] = (_, v, _) => Operators.Iterate(v) is { Count: > 0 } items ? items[0] : new Undefined("first");
        f["last"] = (_, v, _) => Operators.Iterate(v) is { Count: > 0 } items ? items[^1] : new Undefined("last");
        f["list"] = (_, v, _) => Operators.Iterate(v).ToList();
        f["reverse"] = (_, v, _) => v is string s ? new string(s.Reverse().ToArray()) : Operators.Iterate(v).Reverse().ToList();
        f["unique"] = (_, v, a) => Unique(v, a);
        f["sort"] = (_, v, a) => Sort(v, a);
        f["dictsort"] = (_, v, a) => DictSort(v, a);
        f["batch"] = (_, v, a) => Batch(v, a);
        f["sum"] = (_, v, a) => Sum(v, a);
        f["min"] = (_, v, a) => Extreme(v, a, wantMax: false);
        f["max"] = (_, v, a) => Extreme(v, a, wantMax: true);
    }

    public static int Length(object? value) => value switch
    {
        string s => CodePoints(s),
        System.Collections.ICollection c => c.Count,
        NamespaceValue ns => ns.Attributes.Count,
        Undefined or null => 0,
        _ => throw new JinjaError($"object of type '{ValueText.TypeName(value)}' has no len()"),
    };

    /// <summary>Python counts code points: an emoji outside the BMP is one character, not two UTF-16 units.</summary>
    private static int CodePoints(string s)
    {
        var n = s.Length;
        foreach (var c in s)
        {
            if (char.IsLowSurrogate(c))
            {
                n--;
            }
        }

        return n;
    }

    private static string Join(object? value, CallArgs args)
    {
        var separator = ValueText.ToStr(args.Get(0, "d", ""));
        var attribute = args.Get(1, "attribute");
        var items = Operators.Iterate(value);
        return string.Join(separator, items.Select(item => ValueText.ToStr(attribute is null ? item : Attributes.Lookup(item, attribute))));
    }

    /// <summary>Sort/unique key: case-folded strings unless case_sensitive, as Jinja's ignore_case.</summary>
    private static object? Key(object? item, object? attribute, bool caseSensitive)
    {
        var key = attribute is null or Undefined ? item : Attributes.Lookup(item, attribute);
        return !caseSensitive && key is string s ? s.ToLowerInvariant() : key;
    }

    private static List<object?> Unique(object? value, CallArgs args)
    {
        var caseSensitive = Operators.IsTruthy(args.Get(0, "case_sensitive", false));
        var attribute = args.Get(1, "attribute");
        var seen = new List<object?>();
        var result = new List<object?>();
        foreach (var item in Operators.Iterate(value))
        {
            var key = Key(item, attribute, caseSensitive);
            if (!seen.Any(k => Operators.AreEqual(k, key)))
            {
                seen.Add(key);
                result.Add(item);
            }
        }

        return result;
    }

    private static List<object?> Sort(object? value, CallArgs args)
    {
        var reverse = Operators.IsTruthy(args.Get(0, "reverse", false));
        var caseSensitive = Operators.IsTruthy(args.Get(1, "case_sensitive", false));
        var attribute = args.Get(2, "attribute");
        var items = Operators.Iterate(value).Select(item => (Key: Key(item, attribute, caseSensitive), Item: item)).ToList();

        // OrderBy is stable, like Python's sort.
        var sorted = items.OrderBy(x => x.Key, Comparer<object?>.Create((x, y) => Operators.Compare(x, y))).Select(x => x.Item).ToList();
        if (reverse)
        {
            sorted = items.OrderByDescending(x => x.Key, Comparer<object?>.Create((x, y) => Operators.Compare(x, y))).Select(x => x.Item).ToList();
        }

        return sorted;
    }

    private static List<object?> DictSort(object? value, CallArgs args)
    {
        if (value is not Dict d)
        {
            throw new JinjaError("dictsort needs a mapping");
        }

        var caseSensitive = Operators.IsTruthy(args.Get(0, "case_sensitive", false));
        var byValue = ValueText.ToStr(args.Get(1, "by", "key")) == "value";
        var reverse = Operators.IsTruthy(args.Get(2, "reverse", false));
        var comparer = Comparer<object?>.Create((x, y) => Operators.Compare(x, y));
        var pairs = d.Select(p => (Sort: Key(byValue ? p.Value : p.Key, null, caseSensitive), Pair: (object?)new object?[] { p.Key, p.Value }));
        var ordered = reverse ? pairs.OrderByDescending(p => p.Sort, comparer) : pairs.OrderBy(p => p.Sort, comparer);
        return ordered.Select(p => p.Pair).ToList();
    }

    private static List<object?> Batch(object? value, CallArgs args)
    {
        var size = Operators.ToLong(args.Get(0, "linecount"));
        if (size <= 0)
        {
            throw new JinjaError("batch size must be positive");
        }

        var fill = args.Get(1, "fill_with");
        var result = new List<object?>();
        List<object?>? current = null;
        foreach (var item in Operators.Iterate(value))
        {
            current ??= [];
            current.Add(item);
            if (current.Count == size)
            {
                result.Add(current);
                current = null;
            }
        }

        if (current is not null)
        {
            if (fill is not null && fill is not Undefined)
            {
                while (current.Count < size)
                {
                    current.Add(fill);
                }
            }

            result.Add(current);
        }

        return result;
    }

    private static object? Sum(object? value, CallArgs args)
    {
        var attribute = args.Get(0, "attribute");
        object? total = args.Get(1, "start", 0L);
        foreach (var item in Operators.Iterate(value))
        {
            total = Arithmetic.Binary("+", total, attribute is null ? item : Attributes.Lookup(item, attribute), new RenderBudget());
        }

        return total;
    }

    private static object? Extreme(object? value, CallArgs args, bool wantMax)
    {
        var caseSensitive = Operators.IsTruthy(args.Get(0, "case_sensitive", false));
        var attribute = args.Get(1, "attribute");
        object? best = new Undefined(wantMax ? "max" : "min");
        object? bestKey = null;
        foreach (var item in Operators.Iterate(value))
        {
            var key = Key(item, attribute, caseSensitive);
            if (best is Undefined || (wantMax ? Operators.Compare(key, bestKey) > 0 : Operators.Compare(key, bestKey) < 0))
            {
                best = item;
                bestKey = key;
            }
        }

        return best;
    }
}
