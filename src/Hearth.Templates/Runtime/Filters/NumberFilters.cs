using System.Globalization;
using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime.Filters;

/// <summary>int, float, abs, round.</summary>
internal static class NumberFilters
{
    public static void Register(Dictionary<string, FilterFunction> f)
    {
        f["int"] = (_, v, a) => ToInt(v, a.Get(0, "default", 0L), Operators.ToLong(a.Get(1, "base", 10L)));
        f["float"] = (_, v, a) => ToFloat(v, a.Get(0, "default", 0.0));
        f["abs"] = (_, v, _) => v switch
        {
            long l => l == long.MinValue ? throw new JinjaError("integer overflow") : (object)Math.Abs(l),
            double d => (object)Math.Abs(d),
            bool b => (object)(b ? 1L : 0L),
            _ => throw new JinjaError($"bad operand type for abs(): '{ValueText.TypeName(v)}'"),
        };
        f["round"] = (_, v, a) => Round(Operators.ToDouble(v), (int)Operators.ToLong(a.Get(0, "precision", 0L)), ValueText.ToStr(a.Get(1, "method", "common")));
    }

    private static object? ToInt(object? value, object? fallback, long numberBase)
    {
        switch (value)
        {
            case long or bool:
                return Operators.ToLong(value);
            case double d:
                return double.IsFinite(d) ? (long)Math.Truncate(d) : fallback;
            case string s:
                var text = s.Trim().Replace("_", "", StringComparison.Ordinal);
                if (numberBase == 10 && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                {
                    return l;
                }

                if (numberBase is 2 or 8 or 16)
                {
                    try
                    {
                        return Convert.ToInt64(text, (int)numberBase);
                    }
                    catch (FormatException)
                    {
                        return fallback;
                    }
                }

                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed)
                    ? (long)Math.Truncate(parsed)
                    : fallback;
            default:
                return fallback;
        }
    }

    private static object? ToFloat(object? value, object? fallback) => value switch
    {
        long or bool or double => Operators.ToDouble(value),
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => fallback,
    };

    private static double Round(double value, int precision, string method)
    {
        var scale = Math.Pow(10, precision);
        return method switch
        {
            "ceil" => Math.Ceiling(value * scale) / scale,
            "floor" => Math.Floor(value * scale) / scale,
            _ => Math.Round(value, Math.Clamp(precision, 0, 15), MidpointRounding.ToEven), // Python round(): half to even
        };
    }
}
