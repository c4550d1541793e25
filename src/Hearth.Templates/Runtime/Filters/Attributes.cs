using System.Globalization;

namespace Hearth.Templates.Runtime.Filters;

/// <summary>Jinja's attribute paths for filters: "a.b.0" walks keys, attributes and list indexes.</summary>
internal static class Attributes
{
    public static object? Lookup(object? item, object? path)
    {
        if (path is long index)
        {
            return Operators.GetItem(item, index);
        }

        var value = item;
        foreach (var part in ValueText.ToStr(path).Split('.'))
        {
            value = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var i)
                ? Operators.GetItem(value, i)
                : Evaluator.GetAttribute(value, part);
        }

        return value;
    }
}
