using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime.Methods;

/// <summary>Python dict methods: items(), keys(), values(), get(), plus the mutators some templates use.</summary>
internal static class DictMethods
{
    public static readonly HashSet<string> Names = ["items", "keys", "values", "get", "update", "pop", "setdefault", "copy"];

    public static object? Call(Dict d, string name, CallArgs args)
    {
        switch (name)
        {
            case "items": return Items(d);
            case "keys": return d.Keys.ToList();
            case "values": return d.Values.ToList();
            case "get":
                var key = args.Get(0, "key");
                return key is not null && d.TryGetValue(key, out var value) ? value : args.Get(1, "default");
            case "update":
                if (args.Get(0, "other") is Dict other)
                {
                    foreach (var pair in other)
                    {
                        d[pair.Key] = pair.Value;
                    }
                }

                foreach (var pair in args.Named)
                {
                    d[pair.Key] = pair.Value;
                }

                return null;
            case "pop":
                var popKey = args.Get(0, "key") ?? throw new JinjaError("pop() needs a key");
                if (d.Remove(popKey, out var popped))
                {
                    return popped;
                }

                return args.Has(1, "default") ? args.Get(1, "default") : throw new JinjaError($"key {ValueText.Repr(popKey)} not found");
            case "setdefault":
                var setKey = args.Get(0, "key") ?? throw new JinjaError("setdefault() needs a key");
                if (!d.TryGetValue(setKey, out var existing))
                {
                    existing = args.Get(1, "default");
                    d[setKey] = existing;
                }

                return existing;
            case "copy":
                var copy = new Dict();
                foreach (var pair in d)
                {
                    copy[pair.Key] = pair.Value;
                }

                return copy;
            default:
                throw new JinjaError($"'dict' object has no method '{name}'");
        }
    }

    public static List<object?> Items(Dict d) => d.Select(p => (object?)new object?[] { p.Key, p.Value }).ToList();
}
