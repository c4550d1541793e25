using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime.Filters;

internal delegate object? FilterFunction(Evaluator evaluator, object? value, CallArgs args);

/// <summary>Every filter by name (Jinja's built-ins that chat templates use, plus HF's tojson).</summary>
internal static class FilterRegistry
{
    private static readonly Dictionary<string, FilterFunction> All = Build();

    public static bool Exists(string name) => All.ContainsKey(name);

    public static object? Apply(Evaluator evaluator, string name, object? value, CallArgs args)
    {
        if (!All.TryGetValue(name, out var filter))
        {
            throw new JinjaError($"unknown filter '{name}'");
        }

        return filter(evaluator, value, args);
    }

    private static Dictionary<string, FilterFunction> Build()
    {
        var filters = new Dictionary<string, FilterFunction>(StringComparer.Ordinal);
        StringFilters.Register(filters);
        CollectionFilters.Register(filters);
        SelectionFilters.Register(filters);
        NumberFilters.Register(filters);
        return filters;
    }
}
