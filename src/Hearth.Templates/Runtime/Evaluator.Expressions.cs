using System.Runtime.CompilerServices;
using Hearth.Templates.Ast;
using Hearth.Templates.Runtime.Methods;
using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime;

internal sealed partial class Evaluator
{
    public object? Eval(Expr expr, Scope scope) => Guarded(expr, () =>
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        return EvalCore(expr, scope);
    });

    private object? EvalCore(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case LiteralExpr literal:
                return literal.Value;
            case NameExpr name:
                return scope.TryGet(name.Name, out var value) ? value : new Undefined(name.Name);
            case ListExpr list:
                return list.Items.Select(item => Eval(item, scope)).ToList();
            case TupleExpr tuple:
                return tuple.Items.Select(item => Eval(item, scope)).ToArray();
            case DictExpr dict:
                var result = new Dict();
                foreach (var (key, item) in dict.Pairs)
                {
                    result[Eval(key, scope) ?? throw new JinjaError("dict keys cannot be none")] = Eval(item, scope);
                }

                return result;
            case AttributeExpr attribute:
                return GetAttribute(Eval(attribute.Target, scope), attribute.Name);
            case IndexExpr index:
                return Operators.GetItem(Eval(index.Target, scope), Eval(index.Index, scope));
            case SliceExpr slice:
                return Operators.Slice(
                    Eval(slice.Target, scope),
                    slice.Start is null ? null : Eval(slice.Start, scope),
                    slice.Stop is null ? null : Eval(slice.Stop, scope),
                    slice.Step is null ? null : Eval(slice.Step, scope));
            case CallExpr call:
                return EvalCall(call, scope);
            case FilterExpr filter:
                return ApplyFilter(filter.Name, Eval(filter.Value, scope), EvalArgs(filter.Args, scope));
            case TestExpr test:
                var passed = Tests.Apply(test.Name, Eval(test.Value, scope), EvalArgs(test.Args, scope));
                return passed != test.Negated;
            case UnaryExpr unary:
                var operand = Eval(unary.Operand, scope);
                return unary.Op switch
                {
                    "not" => !Operators.IsTruthy(operand),
                    "-" => Arithmetic.Negate(operand),
                    _ => Arithmetic.Plus(operand),
                };
            case BinaryExpr { Op: "and" } and:
                var left = Eval(and.Left, scope);
                return Operators.IsTruthy(left) ? Eval(and.Right, scope) : left;
            case BinaryExpr { Op: "or" } or:
                var first = Eval(or.Left, scope);
                return Operators.IsTruthy(first) ? first : Eval(or.Right, scope);
            case BinaryExpr binary:
                return Arithmetic.Binary(binary.Op, Eval(binary.Left, scope), Eval(binary.Right, scope), budget);
            case CompareExpr compare:
                return EvalCompare(compare, scope);
            case ConditionalExpr conditional:
                if (Operators.IsTruthy(Eval(conditional.Condition, scope)))
                {
                    return Eval(conditional.Then, scope);
                }

                return conditional.Else is null ? new Undefined(null) : Eval(conditional.Else, scope);
            default:
                throw new JinjaError($"unsupported expression {expr.GetType().Name}");
        }
    }

    private bool EvalCompare(CompareExpr compare, Scope scope)
    {
        var left = Eval(compare.First, scope);
        foreach (var (op, operandExpr) in compare.Rest)
        {
            var right = Eval(operandExpr, scope);
            var holds = op switch
            {
                "==" => Operators.AreEqual(left, right),
                "!=" => !Operators.AreEqual(left, right),
                "<" => Operators.Compare(left, right, op) < 0,
                "<=" => Operators.Compare(left, right, op) <= 0,
                ">" => Operators.Compare(left, right, op) > 0,
                ">=" => Operators.Compare(left, right, op) >= 0,
                "in" => Operators.Contains(right, left),
                _ => !Operators.Contains(right, left),
            };
            if (!holds)
            {
                return false;
            }

            left = right;
        }

        return true;
    }

    /// <summary>
    /// <c>obj.name</c>: a mapping's key first (so JSON fields like "items" stay data), then runtime
    /// attributes (loop, namespace), then a bound built-in method (so <c>d.items</c> is callable later).
    /// </summary>
    public static object? GetAttribute(object? target, string name)
    {
        switch (target)
        {
            case Dict d when d.TryGetValue(name, out var value):
                return value;
            case NamespaceValue ns:
                return ns.Attributes.TryGetValue(name, out var attribute) ? attribute : new Undefined(name);
            case LoopContext loop:
                return loop.GetAttribute(name);
            case Undefined or null:
                return new Undefined(name);
        }

        return BuiltinMethods.Has(target, name) ? new BoundMethod(target, name) : new Undefined(name);
    }
}
