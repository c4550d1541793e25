using System.Collections;
using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime;

/// <summary>Jinja's tests: <c>x is defined</c>, <c>x is string</c>, <c>x is divisibleby 3</c>, ...</summary>
internal static class Tests
{
    public static bool Apply(string name, object? value, CallArgs args)
    {
        var arg = args.Get(0, "value");
        return name switch
        {
            "defined" => value is not Undefined,
            "undefined" => value is Undefined,
            "none" => value is null,
            "string" => value is string,
            "number" => value is long or double,
            "integer" => value is long,
            "float" => value is double,
            "boolean" => value is bool,
            "true" => value is true,
            "false" => value is false,
            "mapping" => value is Dict,
            "iterable" => value is string or IList<object?> or Dict or NamespaceValue,
            "sequence" => value is string or IList<object?> or Dict,
            "callable" => value is Callable,
            "even" => Operators.ToLong(value) % 2 == 0,
            "odd" => Operators.ToLong(value) % 2 != 0,
            "divisibleby" => Operators.ToLong(arg) != 0 && Operators.ToLong(value) % Operators.ToLong(arg) == 0,
            "eq" or "equalto" or "==" => Operators.AreEqual(value, arg),
            "ne" or "!=" => !Operators.AreEqual(value, arg),
            "lt" or "lessthan" or "<" => Operators.Compare(value, arg, "<") < 0,
            "le" or "<=" => Operators.Compare(value, arg, "<=") <= 0,
            "gt" or "greaterthan" or ">" => Operators.Compare(value, arg, ">") > 0,
            "ge" or ">=" => Operators.Compare(value, arg, ">=") >= 0,
            "in" => Operators.Contains(arg, value),
            "sameas" => SameAs(value, arg),
            "lower" => value is string lower && lower == lower.ToLowerInvariant(),
            "upper" => value is string upper && upper == upper.ToUpperInvariant(),
            "escaped" => false,
            "filter" => value is string filter && Filters.FilterRegistry.Exists(filter),
            "test" => value is string test && Known.Contains(test),
            _ => throw new JinjaError($"unknown test '{name}'"),
        };
    }

    private static readonly HashSet<string> Known =
    [
        "defined", "undefined", "none", "string", "number", "integer", "float", "boolean", "true", "false", "mapping",
        "iterable", "sequence", "callable", "even", "odd", "divisibleby", "eq", "equalto", "ne", "lt", "le", "gt", "ge",
        "in", "sameas", "lower", "upper", "escaped", "filter", "test",
    ];

    public static bool Exists(string name) => Known.Contains(name) || name is "==" or "!=" or "<" or "<=" or ">" or ">=" or "lessthan" or "greaterthan";

    /// <summary>Python "is": identity for objects; for the interned constants (None, True, False) value identity.</summary>
    private static bool SameAs(object? a, object? b) => a switch
    {
        null => b is null,
        bool x => b is bool y && x == y,
        long or double or string => Operators.AreEqual(a, b) && a.GetType() == b?.GetType(),
        ICollection => ReferenceEquals(a, b),
        _ => ReferenceEquals(a, b),
    };
}
