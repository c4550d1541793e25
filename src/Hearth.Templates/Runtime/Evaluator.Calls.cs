using Hearth.Templates.Ast;
using Hearth.Templates.Runtime.Filters;
using Hearth.Templates.Runtime.Methods;
using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime;

internal sealed partial class Evaluator
{
    private int _callDepth;

    public CallArgs EvalArgs(Arguments args, Scope scope)
    {
        if (args.Positional.Count == 0 && args.Named.Count == 0)
        {
            return CallArgs.None;
        }

        var positional = args.Positional.Select(a => Eval(a, scope)).ToList();
        var named = args.Named.Select(a => new KeyValuePair<string, object?>(a.Name, Eval(a.Value, scope))).ToList();
        return new CallArgs(positional, named);
    }

    private object? EvalCall(CallExpr call, Scope scope)
    {
        object? callee;
        if (call.Callee is AttributeExpr attribute)
        {
            // Method calls dispatch on the receiver's type first: schema dicts often have an "items"
            // key, yet param.items() must still mean dict.items().
            var target = Eval(attribute.Target, scope);
            var args = EvalArgs(call.Args, scope);
            if (target is not Undefined and not null && BuiltinMethods.Has(target, attribute.Name))
            {
                return Charge(BuiltinMethods.Call(this, target, attribute.Name, args));
            }

            callee = GetAttribute(target, attribute.Name);
            return Invoke(callee, args, call, attribute.Name);
        }

        callee = Eval(call.Callee, scope);
        return Invoke(callee, EvalArgs(call.Args, scope), call, (call.Callee as NameExpr)?.Name);
    }

    private object? Invoke(object? callee, CallArgs args, Node at, string? name)
    {
        return callee switch
        {
            Callable callable => Charge(callable.Invoke(this, args, at)),
            Undefined u => throw new JinjaError($"'{u.Name ?? name ?? "value"}' is undefined and cannot be called"),
            _ => throw new JinjaError($"'{ValueText.TypeName(callee)}' object is not callable"),
        };
    }

    public object? CallMacro(MacroValue macro, CallArgs args, Node at)
    {
        if (_callDepth >= budget.MaxCallDepth)
        {
            throw new RenderLimitException($"macro recursion deeper than {budget.MaxCallDepth} calls");
        }

        var scope = new Scope(macro.Closure);
        var parameters = macro.Parameters;
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < parameters.Count; i++)
        {
            var parameter = parameters[i];
            object? value;
            if (i < args.Positional.Count)
            {
                value = args.Positional[i];
            }
            else if (args.Has(-1, parameter.Name))
            {
                value = args.Get(-1, parameter.Name);
                used.Add(parameter.Name);
            }
            else
            {
                value = parameter.Default is null ? new Undefined(parameter.Name) : Eval(parameter.Default, scope);
            }

            scope.Set(parameter.Name, value);
        }

        scope.Set("varargs", args.Positional.Count > parameters.Count ? args.Positional[parameters.Count..] : new List<object?>());
        var kwargs = new Dict();
        foreach (var pair in args.Named)
        {
            if (!used.Contains(pair.Key) && !parameters.Any(p => p.Name == pair.Key))
            {
                kwargs[pair.Key] = pair.Value;
            }
        }

        scope.Set("kwargs", kwargs);
        if (macro.Caller is not null)
        {
            scope.Set("caller", macro.Caller);
        }

        _callDepth++;
        try
        {
            return Capture(macro.Body, scope);
        }
        finally
        {
            _callDepth--;
        }
    }

    private object? EvalCallBlock(CallBlockStmt callBlock, Scope scope)
    {
        var caller = new MacroValue("caller", callBlock.CallerParameters, callBlock.Body, scope);
        var callee = Eval(callBlock.Call.Callee, scope);
        if (callee is not MacroValue macro)
        {
            throw new JinjaError("a call block needs a macro to call");
        }

        return CallMacro(macro.WithCaller(caller), EvalArgs(callBlock.Call.Args, scope), callBlock);
    }

    public object? ApplyFilter(string name, object? value, CallArgs args)
    {
        return Charge(FilterRegistry.Apply(this, name, value, args));
    }

    private object? ApplyFilters(object? value, IReadOnlyList<FilterCall> filters, Scope scope)
    {
        foreach (var filter in filters)
        {
            var current = value;
            value = Guarded(new TextStmt("", filter.Line, filter.Column), () => ApplyFilter(filter.Name, current, EvalArgs(filter.Args, scope)));
        }

        return value;
    }

    /// <summary>Counts strings and lists produced by filters, methods and functions against the render budget.</summary>
    private object? Charge(object? result)
    {
        switch (result)
        {
            case string s:
                budget.ChargeString(s.Length);
                break;
            case List<object?> list:
                budget.CheckListLength(list.Count);
                break;
        }

        return result;
    }
}
