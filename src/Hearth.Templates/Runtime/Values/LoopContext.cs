namespace Hearth.Templates.Runtime.Values;

/// <summary>The <c>loop</c> variable inside a for loop (index, first, last, previtem, cycle(...), ...).</summary>
internal sealed class LoopContext(IReadOnlyList<object?> items, int depth)
{
    public int Index0 { get; set; }

    public object? GetAttribute(string name) => name switch
    {
        "index" => (long)Index0 + 1,
        "index0" => (long)Index0,
        "revindex" => (long)(items.Count - Index0),
        "revindex0" => (long)(items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == items.Count - 1,
        "length" => (long)items.Count,
        "depth" => (long)depth,
        "depth0" => (long)depth - 1,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : new Undefined("loop.previtem"),
        "nextitem" => Index0 + 1 < items.Count ? items[Index0 + 1] : new Undefined("loop.nextitem"),
        "cycle" => new BuiltinFunction("loop.cycle", (_, args, _) =>
            args.Positional.Count == 0 ? new Undefined("loop.cycle") : args.Positional[Index0 % args.Positional.Count]),
        _ => new Undefined("loop." + name),
    };
}
