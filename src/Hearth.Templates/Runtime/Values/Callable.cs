using Hearth.Templates.Ast;

namespace Hearth.Templates.Runtime.Values;

/// <summary>Anything a template can call: built-in globals, bound methods, macros, caller().</summary>
internal abstract class Callable
{
    public abstract string Name { get; }

    public abstract object? Invoke(Evaluator evaluator, CallArgs args, Node at);
}

internal sealed class BuiltinFunction(string name, Func<Evaluator, CallArgs, Node, object?> body) : Callable
{
    public override string Name => name;

    public override object? Invoke(Evaluator evaluator, CallArgs args, Node at) => body(evaluator, args, at);
}
