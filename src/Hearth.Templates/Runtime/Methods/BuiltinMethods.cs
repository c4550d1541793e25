using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime.Methods;

/// <summary>Python methods templates call on values: str.strip(), dict.items(), list.append(), ...</summary>
internal static class BuiltinMethods
{
    public static bool Has(object? target, string name) => target switch
    {
        string => StringMethods.Names.Contains(name),
        Dict => DictMethods.Names.Contains(name),
        List<object?> => ListMethods.Names.Contains(name),
        object?[] => name is "index" or "count",
        _ => false,
    };

    public static object? Call(Evaluator evaluator, object target, string name, CallArgs args) => target switch
    {
        string s => StringMethods.Call(s, name, args),
        Dict d => DictMethods.Call(d, name, args),
        List<object?> list => ListMethods.Call(evaluator, list, name, args),
        object?[] tuple => ListMethods.CallReadOnly(tuple, name, args),
        _ => throw new JinjaError($"'{ValueText.TypeName(target)}' object has no method '{name}'"),
    };
}
