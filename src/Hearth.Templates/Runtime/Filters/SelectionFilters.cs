using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime.Filters;

/// <summary>select / reject / selectattr / rejectattr / map: the filters that take a test or another filter by name.</summary>
internal static class SelectionFilters
{
    public static void Register(Dictionary<string, FilterFunction> f)
    {
        f["select"] = (_, v, a) => Select(v, a, byAttribute: false, keep: true);
        f["reject"] = (_, v, a) => Select(v, a, byAttribute: false, keep: false);
        f["selectattr"] = (_, v, a) => Select(v, a, byAttribute: true, keep: true);
        f["rejectattr"] = (_, v, a) => Select(v, a, byAttribute: true, keep: false);
        f["map"] = Map;
    }

    private static List<object?> Select(object? value, CallArgs args, bool byAttribute, bool keep)
    {
        var next = 0;
        object? attribute = null;
        if (byAttribute)
        {
            attribute = args.Get(next++, "attribute") ?? throw new JinjaError("selectattr needs an attribute name");
        }

        var testName = args.Positional.Count > next ? ValueText.ToStr(args.Positional[next]) : null;
        var testArgs = args.Skip(next + 1);
        var result = new List<object?>();
        foreach (var item in Operators.Iterate(value))
        {
            var subject = byAttribute ? Attributes.Lookup(item, attribute) : item;
            var passed = testName is null ? Operators.IsTruthy(subject) : Tests.Apply(testName, subject, testArgs);
            if (passed == keep)
            {
                result.Add(item);
            }
        }

        return result;
    }

    /// <summary><c>map(attribute='x', default=d)</c> or <c>map('filter', args...)</c>.</summary>
    private static object? Map(Evaluator evaluator, object? value, CallArgs args)
    {
        var items = Operators.Iterate(value);
        if (args.Positional.Count == 0 && args.Has(-1, "attribute"))
        {
            var attribute = args.Get(-1, "attribute");
            var fallback = args.Get(-1, "default", new Undefined(null));
            return items.Select(item =>
            {
                var result = Attributes.Lookup(item, attribute);
                return result is Undefined && args.Has(-1, "default") ? fallback : result;
            }).ToList();
        }

        if (args.Positional.Count == 0)
        {
            throw new JinjaError("map needs a filter name or attribute=");
        }

        var filter = ValueText.ToStr(args.Positional[0]);
        var filterArgs = args.Skip(1);
        return items.Select(item => evaluator.ApplyFilter(filter, item, filterArgs)).ToList();
    }
}
