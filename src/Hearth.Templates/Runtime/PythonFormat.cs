using System.Globalization;
using System.Text;
using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime;

/// <summary>Python string formatting used by templates: <c>"%s" % x</c> / <c>|format</c> and <c>str.format()</c>.</summary>
internal static class PythonFormat
{
    /// <summary>printf-style: %s %r %d %i %f %e %g %x %% with optional flags, width and precision.</summary>
    public static string Percent(string format, object? args)
    {
        var values = args switch
        {
            object?[] tuple => tuple,
            _ => [args],
        };
        var named = args as Dict;
        var sb = new StringBuilder();
        var next = 0;
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c != '%')
            {
                sb.Append(c);
                continue;
            }

            if (++i >= format.Length)
            {
                throw new JinjaError("incomplete format");
            }

            object? value;
            if (format[i] == '(')
            {
                var close = format.IndexOf(')', i);
                if (close < 0 || named is null)
                {
                    throw new JinjaError("format requires a mapping");
                }

                value = Operators.GetItem(named, format[(i + 1)..close]);
                i = close + 1;
            }
            else
            {
                value = null;
            }

            var flagsStart = i;
            while (i < format.Length && format[i] is '-' or '+' or ' ' or '0' or '#')
            {
                i++;
            }

            var flags = format[flagsStart..i];
            var widthStart = i;
            while (i < format.Length && char.IsAsciiDigit(format[i]))
            {
                i++;
            }

            var width = i > widthStart ? int.Parse(format.AsSpan(widthStart, i - widthStart), CultureInfo.InvariantCulture) : 0;
            int? precision = null;
            if (i < format.Length && format[i] == '.')
            {
                var precisionStart = ++i;
                while (i < format.Length && char.IsAsciiDigit(format[i]))
                {
                    i++;
                }

                precision = i > precisionStart ? int.Parse(format.AsSpan(precisionStart, i - precisionStart), CultureInfo.InvariantCulture) : 0;
            }

            if (i >= format.Length)
            {
                throw new JinjaError("incomplete format");
            }

            var conversion = format[i];
            if (conversion == '%')
            {
                sb.Append('%');
                continue;
            }

            if (named is null)
            {
                if (next >= values.Length)
                {
                    throw new JinjaError("not enough arguments for format string");
                }

                value = values[next++];
            }

            var text = conversion switch
            {
                's' => ValueText.ToStr(value),
                'r' or 'a' => ValueText.Repr(value),
                'd' or 'i' or 'u' => Operators.ToLong(value is double d ? Math.Truncate(d) : value).ToString(CultureInfo.InvariantCulture),
                'f' or 'F' => Operators.ToDouble(value).ToString("F" + (precision ?? 6), CultureInfo.InvariantCulture),
                'e' or 'E' => FormatExponent(Operators.ToDouble(value), precision ?? 6, conversion),
                'g' or 'G' => Operators.ToDouble(value).ToString("G" + (precision ?? 6), CultureInfo.InvariantCulture),
                'x' => Operators.ToLong(value).ToString("x", CultureInfo.InvariantCulture),
                'X' => Operators.ToLong(value).ToString("X", CultureInfo.InvariantCulture),
                'c' => value is string ch ? ch : char.ConvertFromUtf32((int)Operators.ToLong(value)),
                _ => throw new JinjaError($"unsupported format character '{conversion}'"),
            };
            if (conversion == 's' && precision is { } p && p < text.Length)
            {
                text = text[..p];
            }

            if (flags.Contains('+') && conversion is 'd' or 'i' or 'f' or 'e' && !text.StartsWith('-'))
            {
                text = "+" + text;
            }

            if (text.Length < width)
            {
                text = flags.Contains('-')
                    ? text.PadRight(width)
                    : flags.Contains('0') && conversion != 's' ? ZeroPad(text, width) : text.PadLeft(width);
            }

            sb.Append(text);
        }

        if (named is null && next < values.Length && args is object?[])
        {
            throw new JinjaError("not all arguments converted during string formatting");
        }

        return sb.ToString();
    }

    private static string ZeroPad(string text, int width) =>
        text.StartsWith('-') || text.StartsWith('+') ? text[0] + text[1..].PadLeft(width - 1, '0') : text.PadLeft(width, '0');

    private static string FormatExponent(double value, int precision, char conversion)
    {
        var text = value.ToString((conversion == 'E' ? "E" : "e") + precision, CultureInfo.InvariantCulture);

        // .NET writes e+006; Python writes e+06.
        var e = text.IndexOfAny(['e', 'E']);
        var exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return text[..(e + 1)] + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>str.format: {} {0} {name} {name.attr} {name[key]}, {{ }} escapes; format specs are applied for width/precision basics.</summary>
    public static string Format(string format, CallArgs args)
    {
        var sb = new StringBuilder();
        var auto = 0;
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c == '{' && i + 1 < format.Length && format[i + 1] == '{')
            {
                sb.Append('{');
                i++;
                continue;
            }

            if (c == '}' && i + 1 < format.Length && format[i + 1] == '}')
            {
                sb.Append('}');
                i++;
                continue;
            }

            if (c != '{')
            {
                sb.Append(c);
                continue;
            }

            var close = format.IndexOf('}', i);
            if (close < 0)
            {
                throw new JinjaError("single '{' encountered in format string");
            }

            var field = format[(i + 1)..close];
            i = close;
            var colon = field.IndexOf(':');
            var spec = colon >= 0 ? field[(colon + 1)..] : "";
            var name = colon >= 0 ? field[..colon] : field;
            var bang = name.IndexOf('!');
            var conversion = bang >= 0 ? name[(bang + 1)..] : "";
            name = bang >= 0 ? name[..bang] : name;
            var value = Resolve(name, args, ref auto);
            var text = conversion == "r" ? ValueText.Repr(value) : ApplySpec(value, spec);
            sb.Append(text);
        }

        return sb.ToString();
    }

    private static object? Resolve(string field, CallArgs args, ref int auto)
    {
        var end = field.IndexOfAny(['.', '[']);
        var head = end >= 0 ? field[..end] : field;
        object? value;
        if (head.Length == 0)
        {
            value = auto < args.Positional.Count ? args.Positional[auto] : throw new JinjaError("format: not enough positional arguments");
            auto++;
        }
        else if (int.TryParse(head, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            value = index < args.Positional.Count ? args.Positional[index] : throw new JinjaError($"format: no positional argument {index}");
        }
        else
        {
            value = args.Get(-1, head, new Undefined(head));
        }

        var rest = end >= 0 ? field[end..] : "";
        while (rest.Length > 0)
        {
            if (rest[0] == '.')
            {
                var next = rest.IndexOfAny(['.', '['], 1);
                var attr = next >= 0 ? rest[1..next] : rest[1..];
                value = Operators.GetItem(value, attr);
                rest = next >= 0 ? rest[next..] : "";
            }
            else
            {
                var close = rest.IndexOf(']');
                var key = rest[1..close];
                value = Operators.GetItem(value, long.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var k) ? k : key);
                rest = rest[(close + 1)..];
            }
        }

        return value;
    }

    private static string ApplySpec(object? value, string spec)
    {
        if (spec.Length == 0)
        {
            return ValueText.ToStr(value);
        }

        var align = '\0';
        var fill = ' ';
        var i = 0;
        if (spec.Length >= 2 && spec[1] is '<' or '>' or '^')
        {
            fill = spec[0];
            align = spec[1];
            i = 2;
        }
        else if (spec[0] is '<' or '>' or '^')
        {
            align = spec[0];
            i = 1;
        }

        var widthStart = i;
        while (i < spec.Length && char.IsAsciiDigit(spec[i]))
        {
            i++;
        }

        var width = i > widthStart ? int.Parse(spec.AsSpan(widthStart, i - widthStart), CultureInfo.InvariantCulture) : 0;
        var rest = spec[i..];
        var text = rest.Length > 0 ? Percent("%" + rest, value) : ValueText.ToStr(value);
        if (text.Length >= width)
        {
            return text;
        }

        if (align == '\0')
        {
            align = value is string ? '<' : '>';
        }

        return align switch
        {
            '<' => text.PadRight(width, fill),
            '>' => text.PadLeft(width, fill),
            _ => text.PadLeft(text.Length + ((width - text.Length) / 2), fill).PadRight(width, fill),
        };
    }
}
