using System.Text;
using Hearth.Templates.Ast;
using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime;

/// <summary>
/// Tree-walking interpreter: executes statements into a StringBuilder. Statement execution lives here,
/// expressions in Evaluator.Expressions.cs, calls and macros in Evaluator.Calls.cs. Every failure
/// surfaces as a TemplateRuntimeException positioned at the innermost node that failed.
/// </summary>
internal sealed partial class Evaluator(RenderBudget budget, TimeProvider clock)
{
    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    public RenderBudget Budget => budget;

    public TimeProvider Clock => clock;

    public string Render(IReadOnlyList<Stmt> body, Scope globals)
    {
        var output = new StringBuilder();
        Execute(body, new Scope(globals), output);
        return output.ToString();
    }

    /// <summary>Renders a body into a fresh buffer (block set, filter blocks, macro bodies).</summary>
    public string Capture(IReadOnlyList<Stmt> body, Scope scope)
    {
        var output = new StringBuilder();
        Execute(body, scope, output);
        return output.ToString();
    }

    private Flow Execute(IReadOnlyList<Stmt> body, Scope scope, StringBuilder output)
    {
        foreach (var stmt in body)
        {
            var flow = Guarded(stmt, () => ExecuteOne(stmt, scope, output));
            if (flow != Flow.Normal)
            {
                return flow;
            }
        }

        return Flow.Normal;
    }

    private Flow ExecuteOne(Stmt stmt, Scope scope, StringBuilder output)
    {
        switch (stmt)
        {
            case TextStmt text:
                Append(output, text.Text);
                return Flow.Normal;
            case OutputStmt print:
                Append(output, ValueText.ToStr(Eval(print.Value, scope)));
                return Flow.Normal;
            case IfStmt ifStmt:
                foreach (var (condition, branch) in ifStmt.Branches)
                {
                    if (Operators.IsTruthy(Eval(condition, scope)))
                    {
                        return Execute(branch, scope, output);
                    }
                }

                return ifStmt.Else is null ? Flow.Normal : Execute(ifStmt.Else, scope, output);
            case ForStmt loop:
                ExecuteFor(loop, scope, output);
                return Flow.Normal;
            case SetStmt set:
                Assign(set.Target, Eval(set.Value, scope), scope);
                return Flow.Normal;
            case BlockSetStmt blockSet:
                var captured = Capture(blockSet.Body, new Scope(scope));
                Assign(blockSet.Target, ApplyFilters(captured, blockSet.Filters, scope), scope);
                return Flow.Normal;
            case MacroStmt macro:
                scope.Set(macro.Name, new MacroValue(macro.Name, macro.Parameters, macro.Body, scope));
                return Flow.Normal;
            case CallBlockStmt callBlock:
                Append(output, ValueText.ToStr(EvalCallBlock(callBlock, scope)));
                return Flow.Normal;
            case FilterBlockStmt filterBlock:
                var body = Capture(filterBlock.Body, new Scope(scope));
                Append(output, ValueText.ToStr(ApplyFilters(body, filterBlock.Filters, scope)));
                return Flow.Normal;
            case DoStmt doStmt:
                Eval(doStmt.Value, scope);
                return Flow.Normal;
            case ScopeStmt block:
                return Execute(block.Body, scope, output);
            case BreakStmt:
                return Flow.Break;
            case ContinueStmt:
                return Flow.Continue;
            default:
                throw new JinjaError($"unsupported statement {stmt.GetType().Name}");
        }
    }

    private void ExecuteFor(ForStmt loop, Scope scope, StringBuilder output)
    {
        var source = Operators.Iterate(Eval(loop.Iterable, scope));
        IReadOnlyList<object?> items = source;
        if (loop.Filter is not null)
        {
            var kept = new List<object?>();
            foreach (var item in source)
            {
                budget.CountIteration();
                var filterScope = new Scope(scope);
                Assign(loop.Target, item, filterScope);
                if (Operators.IsTruthy(Eval(loop.Filter, filterScope)))
                {
                    kept.Add(item);
                }
            }

            items = kept;
        }

        if (items.Count == 0)
        {
            if (loop.Else is not null)
            {
                Execute(loop.Else, scope, output);
            }

            return;
        }

        var depth = scope.TryGet("loop", out var outer) && outer is LoopContext ? 2 : 1;
        var context = new LoopContext(items, depth);
        for (var i = 0; i < items.Count; i++)
        {
            budget.CountIteration();
            context.Index0 = i;
            var iterationScope = new Scope(scope);
            iterationScope.Set("loop", context);
            Assign(loop.Target, items[i], iterationScope);
            if (Execute(loop.Body, iterationScope, output) == Flow.Break)
            {
                break;
            }
        }
    }

    private static void Assign(Target target, object? value, Scope scope)
    {
        switch (target)
        {
            case NameTarget name:
                scope.Set(name.Name, value);
                break;
            case TupleTarget tuple:
                if (value is not (IList<object?> or Dict or string))
                {
                    throw new JinjaError($"cannot unpack non-iterable {ValueText.TypeName(value)} object");
                }

                var values = Operators.Iterate(value);
                if (values.Count != tuple.Items.Count)
                {
                    throw new JinjaError($"cannot unpack {values.Count} values into {tuple.Items.Count} names");
                }

                for (var i = 0; i < values.Count; i++)
                {
                    Assign(tuple.Items[i], values[i], scope);
                }

                break;
            case AttributeTarget attribute:
                if (!scope.TryGet(attribute.Object, out var holder) || holder is not NamespaceValue ns)
                {
                    throw new JinjaError($"cannot assign attribute '{attribute.Attribute}' on '{attribute.Object}': it is not a namespace()");
                }

                ns.Attributes[attribute.Attribute] = value;
                break;
        }
    }

    private void Append(StringBuilder output, string text)
    {
        if ((long)output.Length + text.Length > budget.MaxOutputChars)
        {
            throw new RenderLimitException($"output exceeds the limit of {budget.MaxOutputChars} characters");
        }

        output.Append(text);
    }

    /// <summary>Runs one node's work and turns internal failures into a TemplateRuntimeException at that node.</summary>
    private static T Guarded<T>(Node node, Func<T> work)
    {
        try
        {
            return work();
        }
        catch (TemplateRuntimeException)
        {
            throw;
        }
        catch (Exception ex) when (ex is JinjaError or RenderLimitException or OverflowException or InvalidCastException
                                       or InsufficientExecutionStackException or ArgumentException or FormatException or IndexOutOfRangeException)
        {
            var reason = ex switch
            {
                InsufficientExecutionStackException => "template recursion is too deep",
                OverflowException => "integer overflow",
                _ => ex.Message,
            };
            throw new TemplateRuntimeException(reason, node.Line, node.Column);
        }
    }
}
