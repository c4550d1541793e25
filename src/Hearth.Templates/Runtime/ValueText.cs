using System.Globalization;
using System.Text;
using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime;

/// <summary>Python's str() and repr() of template values: what <c>{{ x }}</c> and <c>x|string</c> print.</summary>
internal static class ValueText
{
    private const int MaxNesting = 256;

    public static string ToStr(object? value) => value switch
    {
        string s => s,
        Undefined => "",
        null => "None",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatFloat(d),
        _ => Repr(value),
    };

    public static string Repr(object? value)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, value, 0);
        return sb.ToString();
    }

    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        Undefined => "Undefined",
        string => "str",
        bool => "bool",
        long => "int",
        double => "float",
        List<object?> => "list",
        object?[] => "tuple",
        Dict => "dict",
        NamespaceValue => "Namespace",
        LoopContext => "LoopContext",
        MacroValue => "macro",
        Callable => "function",
        _ => value.GetType().Name,
    };

    /// <summary>Python's repr(float): shortest round-trip digits, exponent form below 1e-4 and from 1e16.</summary>
    public static string FormatFloat(double d)
    {
        if (double.IsNaN(d))
        {
            return "nan";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "inf" : "-inf";
        }

        if (d == 0)
        {
            return double.IsNegative(d) ? "-0.0" : "0.0";
        }

        // "R" gives the shortest round-trip digits; re-layout them with Python's rules.
        var shortest = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        var (digits, exponent) = Decompose(shortest);
        var sb = new StringBuilder();
        if (d < 0)
        {
            sb.Append('-');
        }

        if (exponent < -4 || exponent >= 16)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1)
            {
                sb.Append('.').Append(digits, 1, digits.Length - 1);
            }

            sb.Append('e').Append(exponent < 0 ? '-' : '+').Append(Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (exponent < 0)
        {
            sb.Append("0.").Append('0', -exponent - 1).Append(digits);
        }
        else if (digits.Length <= exponent + 1)
        {
            sb.Append(digits).Append('0', exponent + 1 - digits.Length).Append(".0");
        }
        else
        {
            sb.Append(digits, 0, exponent + 1).Append('.').Append(digits, exponent + 1, digits.Length - exponent - 1);
        }

        return sb.ToString();
    }

    /// <summary>Splits "1.2345E-05" / "123.45" into significant digits "12345" and the power of ten of the first digit.</summary>
    private static (string Digits, int Exponent) Decompose(string s)
    {
        var exponent = 0;
        var e = s.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(s.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            s = s[..e];
        }

        var dot = s.IndexOf('.');
        var intPart = dot >= 0 ? s[..dot] : s;
        var fracPart = dot >= 0 ? s[(dot + 1)..] : "";
        var all = intPart + fracPart;
        var leadingZeros = 0;
        while (leadingZeros < all.Length - 1 && all[leadingZeros] == '0')
        {
            leadingZeros++;
        }

        var digits = all[leadingZeros..].TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }

        return (digits, exponent + intPart.Length - 1 - leadingZeros);
    }

    public static string ReprString(string s)
    {
        var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var sb = new StringBuilder(s.Length + 2);
        sb.Append(quote);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c == quote)
                    {
                        sb.Append('\\').Append(c);
                    }
                    else if (c < 0x20 || c == 0x7f)
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append(quote).ToString();
    }

    private static void AppendRepr(StringBuilder sb, object? value, int depth)
    {
        if (depth > MaxNesting)
        {
            throw new JinjaError("value nests too deeply to print (is it recursive?)");
        }

        switch (value)
        {
            case string s:
                sb.Append(ReprString(s));
                break;
            case List<object?> list:
                sb.Append('[');
                AppendItems(sb, list, depth);
                sb.Append(']');
                break;
            case object?[] tuple:
                sb.Append('(');
                AppendItems(sb, tuple, depth);
                sb.Append(tuple.Length == 1 ? ",)" : ")");
                break;
            case Dict dict:
                sb.Append('{');
                var first = true;
                foreach (var pair in dict)
                {
                    if (!first)
                    {
                        sb.Append(", ");
                    }

                    first = false;
                    AppendRepr(sb, pair.Key, depth + 1);
                    sb.Append(": ");
                    AppendRepr(sb, pair.Value, depth + 1);
                }

                sb.Append('}');
                break;
            case NamespaceValue ns:
                sb.Append("<Namespace {");
                sb.Append(string.Join(", ", ns.Attributes.Select(p => ReprString(p.Key) + ": " + Repr(p.Value))));
                sb.Append("}>");
                break;
            case Undefined:
                sb.Append("Undefined");
                break;
            case Callable c:
                sb.Append("<function ").Append(c.Name).Append('>');
                break;
            case LoopContext:
                sb.Append("<LoopContext>");
                break;
            default:
                sb.Append(ToStr(value));
                break;
        }
    }

    private static void AppendItems(StringBuilder sb, IList<object?> items, int depth)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            AppendRepr(sb, items[i], depth + 1);
        }
    }
}
