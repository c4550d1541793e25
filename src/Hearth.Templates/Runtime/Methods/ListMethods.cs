using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime.Methods;

/// <summary>Python list methods. Mutation is allowed (llama.cpp allows it) but bounded by the list-length budget.</summary>
internal static class ListMethods
{
    public static readonly HashSet<string> Names = ["append", "pop", "insert", "extend", "index", "count", "copy", "reverse", "remove", "clear"];

    public static object? Call(Evaluator evaluator, List<object?> list, string name, CallArgs args)
    {
        switch (name)
        {
            case "append":
                evaluator.Budget.CheckListLength(list.Count + 1L);
                list.Add(args.Get(0, "item"));
                return null;
            case "extend":
                var extra = Operators.Iterate(args.Get(0, "iterable"));
                evaluator.Budget.CheckListLength((long)list.Count + extra.Count);
                list.AddRange(extra);
                return null;
            case "insert":
                evaluator.Budget.CheckListLength(list.Count + 1L);
                var at = Operators.ToLong(args.Get(0, "index"));
                at = at < 0 ? Math.Max(0, at + list.Count) : Math.Min(at, list.Count);
                list.Insert((int)at, args.Get(1, "item"));
                return null;
            case "pop":
                if (list.Count == 0)
                {
                    throw new JinjaError("pop from empty list");
                }

                var index = Operators.ToLong(args.Get(0, "index", -1L));
                if (index < 0)
                {
                    index += list.Count;
                }

                if (index < 0 || index >= list.Count)
                {
                    throw new JinjaError("pop index out of range");
                }

                var item = list[(int)index];
                list.RemoveAt((int)index);
                return item;
            case "remove":
                var position = list.FindIndex(x => Operators.AreEqual(x, args.Get(0, "value")));
                if (position < 0)
                {
                    throw new JinjaError("list.remove(x): x not in list");
                }

                list.RemoveAt(position);
                return null;
            case "reverse":
                list.Reverse();
                return null;
            case "clear":
                list.Clear();
                return null;
            case "copy":
                return new List<object?>(list);
            default:
                return CallReadOnly(list, name, args);
        }
    }

    public static object? CallReadOnly(IList<object?> items, string name, CallArgs args)
    {
        var value = args.Get(0, "value");
        switch (name)
        {
            case "index":
                for (var i = 0; i < items.Count; i++)
                {
                    if (Operators.AreEqual(items[i], value))
                    {
                        return (long)i;
                    }
                }

                throw new JinjaError($"{ValueText.Repr(value)} is not in list");
            case "count":
                return (long)items.Count(x => Operators.AreEqual(x, value));
            default:
                throw new JinjaError($"'{ValueText.TypeName(items)}' object has no method '{name}'");
        }
    }
}
