using Hearth.Templates.Ast;
using Hearth.Templates.Runtime.Methods;

namespace Hearth.Templates.Runtime.Values;

/// <summary>A built-in method taken as a value (<c>d.items</c>), callable later.</summary>
internal sealed class BoundMethod(object target, string name) : Callable
{
    public override string Name => name;

    public override object? Invoke(Evaluator evaluator, CallArgs args, Node at) => BuiltinMethods.Call(evaluator, target, name, args);
}
