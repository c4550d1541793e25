using System.Collections;
using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime;

/// <summary>Python semantics of truthiness, equality, ordering, membership, indexing and slicing.</summary>
internal static class Operators
{
    private const int MaxNesting = 256;

    public static bool IsTruthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        ICollection c => c.Count > 0,
        _ => true,
    };

    public static bool IsNumber(object? value) => value is long or double or bool;

    public static double ToDouble(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new JinjaError($"expected a number, got {ValueText.TypeName(value)}"),
    };

    public static long ToLong(object? value) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d when !double.IsNaN(d) && Math.Abs(d) < 9.2e18 => (long)d,
        _ => throw new JinjaError($"expected an integer, got {ValueText.TypeName(value)}"),
    };

    public static bool AreEqual(object? a, object? b) => AreEqual(a, b, 0);

    private static bool AreEqual(object? a, object? b, int depth)
    {
        if (depth > MaxNesting)
        {
            throw new JinjaError("values nest too deeply to compare (are they recursive?)");
        }

        switch (a)
        {
            case null:
                return b is null;
            case Undefined:
                return b is Undefined;
            case string sa:
                return b is string sb && string.Equals(sa, sb, StringComparison.Ordinal);
            case long or double or bool when IsNumber(b):
                return a is long xa && b is long xb ? xa == xb : ToDouble(a) == ToDouble(b);
            case List<object?> la when b is List<object?> lb:
                return SequenceEqual(la, lb, depth);
            case object?[] ta when b is object?[] tb:
                return SequenceEqual(ta, tb, depth);
            case Dict da when b is Dict db:
                if (da.Count != db.Count)
                {
                    return false;
                }

                foreach (var pair in da)
                {
                    if (!db.TryGetValue(pair.Key, out var other) || !AreEqual(pair.Value, other, depth + 1))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return ReferenceEquals(a, b);
        }
    }

    private static bool SequenceEqual(IList<object?> a, IList<object?> b, int depth)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!AreEqual(a[i], b[i], depth + 1))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Python ordering for numbers, strings (by code point) and sequences; other pairs are an error.</summary>
    public static int Compare(object? a, object? b, string op = "<")
    {
        if (IsNumber(a) && IsNumber(b))
        {
            return a is long la && b is long lb ? la.CompareTo(lb) : ToDouble(a).CompareTo(ToDouble(b));
        }

        if (a is string sa && b is string sb)
        {
            return string.CompareOrdinal(sa, sb);
        }

        if (a is IList<object?> xa && b is IList<object?> xb && a.GetType() == b.GetType())
        {
            for (var i = 0; i < Math.Min(xa.Count, xb.Count); i++)
            {
                if (!AreEqual(xa[i], xb[i]))
                {
                    return Compare(xa[i], xb[i], op);
                }
            }

            return xa.Count.CompareTo(xb.Count);
        }

        throw new JinjaError($"'{op}' not supported between instances of '{ValueText.TypeName(a)}' and '{ValueText.TypeName(b)}'");
    }

    public static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string sub => s.Contains(sub, StringComparison.Ordinal),
        string => throw new JinjaError($"'in <string>' requires string as left operand, not {ValueText.TypeName(item)}"),
        Dict d => item is not null && d.ContainsKey(item),
        IList<object?> list => list.Any(x => AreEqual(x, item)),
        NamespaceValue ns => item is string key && ns.Attributes.ContainsKey(key),
        Undefined or null => false,
        _ => throw new JinjaError($"argument of type '{ValueText.TypeName(container)}' is not iterable"),
    };

    /// <summary>The values a for loop or filter iterates: list items, dict keys, string characters; undefined/none as empty.</summary>
    public static IReadOnlyList<object?> Iterate(object? value) => value switch
    {
        IList<object?> list => list as IReadOnlyList<object?> ?? [.. list],
        Dict d => [.. d.Keys],
        string s => [.. StringElements(s)],
        NamespaceValue ns => [.. ns.Attributes.Keys],
        Undefined or null => [],
        _ => throw new JinjaError($"'{ValueText.TypeName(value)}' object is not iterable"),
    };

    /// <summary>Characters of a string as Python sees them: one element per code point (surrogate pairs stay together).</summary>
    public static IEnumerable<object?> StringElements(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                yield return s.Substring(i++, 2);
            }
            else
            {
                yield return s[i].ToString();
            }
        }
    }

    /// <summary><c>obj[key]</c>: missing keys and out-of-range indexes give undefined, as in Jinja.</summary>
    public static object? GetItem(object? target, object? key)
    {
        switch (target)
        {
            case Dict d:
                return key is not null && d.TryGetValue(key, out var v) ? v : new Undefined(KeyText(key));
            case IList<object?> list when key is long or bool:
                var i = ToLong(key);
                if (i < 0)
                {
                    i += list.Count;
                }

                return i >= 0 && i < list.Count ? list[(int)i] : new Undefined(KeyText(key));
            case string s when key is long or bool:
                var index = ToLong(key);
                if (index < 0)
                {
                    index += s.Length;
                }

                return index >= 0 && index < s.Length ? s[(int)index].ToString() : new Undefined(KeyText(key));
            case NamespaceValue ns when key is string name:
                return ns.Attributes.TryGetValue(name, out var nv) ? nv : new Undefined(name);
            case LoopContext loop when key is string name:
                return loop.GetAttribute(name);
            default:
                return new Undefined(KeyText(key));
        }
    }

    private static string KeyText(object? key) => key is string s ? s : ValueText.Repr(key);

    /// <summary>Python slicing of lists, tuples and strings (negative indexes and steps included).</summary>
    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        var stepValue = step is null or Undefined ? 1 : ToLong(step);
        if (stepValue == 0)
        {
            throw new JinjaError("slice step cannot be zero");
        }

        IList<object?> items = target switch
        {
            IList<object?> list => list,
            string s => [.. s.Select(c => (object?)c.ToString())],
            Undefined or null => [],
            _ => throw new JinjaError($"'{ValueText.TypeName(target)}' object is not subscriptable"),
        };

        var n = (long)items.Count;
        long Clamp(object? bound, long fallback)
        {
            if (bound is null or Undefined)
            {
                return fallback;
            }

            var b = ToLong(bound);
            if (b < 0)
            {
                b += n;
            }

            return stepValue > 0 ? Math.Clamp(b, 0, n) : Math.Clamp(b, -1, n - 1);
        }

        var from = Clamp(start, stepValue > 0 ? 0 : n - 1);
        var to = Clamp(stop, stepValue > 0 ? n : -1);
        var result = new List<object?>();
        for (var i = from; stepValue > 0 ? i < to : i > to; i += stepValue)
        {
            result.Add(items[(int)i]);
        }

        return target switch
        {
            string => string.Concat(result.Cast<string>()),
            object?[] => result.ToArray(),
            _ => result,
        };
    }
}
