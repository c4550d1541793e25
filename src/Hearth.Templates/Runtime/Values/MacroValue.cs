using Hearth.Templates.Ast;

namespace Hearth.Templates.Runtime.Values;

/// <summary>
/// A macro (or the body of a call block, as <c>caller</c>) closed over the scope where it was defined,
/// so it sees that scope's variables (and namespace objects) at call time.
/// </summary>
internal sealed class MacroValue(string name, IReadOnlyList<MacroParameter> parameters, IReadOnlyList<Stmt> body, Scope closure, MacroValue? caller = null)
    : Callable
{
    public override string Name => name;

    public override object? Invoke(Evaluator evaluator, CallArgs args, Node at) => evaluator.CallMacro(this, args, at);

    public IReadOnlyList<MacroParameter> Parameters => parameters;

    public IReadOnlyList<Stmt> Body => body;

    public Scope Closure => closure;

    public MacroValue? Caller => caller;

    public MacroValue WithCaller(MacroValue callerBody) => new(name, parameters, body, closure, callerBody);
}
