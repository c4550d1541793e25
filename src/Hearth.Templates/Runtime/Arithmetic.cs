using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime;

/// <summary>Binary and unary math with Python semantics (int/float promotion, floor division, modulo sign).</summary>
internal static class Arithmetic
{
    public static object? Binary(string op, object? a, object? b, RenderBudget budget) => op switch
    {
        "+" => Add(a, b, budget),
        "-" => Numeric(op, a, b, (x, y) => checked(x - y), (x, y) => x - y),
        "*" => Multiply(a, b, budget),
        "/" => Divide(a, b),
        "//" => FloorDivide(a, b),
        "%" => Modulo(a, b, budget),
        "**" => Power(a, b),
        "~" => Concat(ValueText.ToStr(a), ValueText.ToStr(b), budget),
        _ => throw new JinjaError($"unknown operator '{op}'"),
    };

    public static object? Negate(object? value) => value switch
    {
        long l => (object)checked(-l),
        double d => (object)(-d),
        bool b => (object)(b ? -1L : 0L),
        _ => throw new JinjaError($"bad operand type for unary -: '{ValueText.TypeName(value)}'"),
    };

    public static object? Plus(object? value) => value switch
    {
        long or double => value,
        bool b => b ? 1L : 0L,
        _ => throw new JinjaError($"bad operand type for unary +: '{ValueText.TypeName(value)}'"),
    };

    private static string Concat(string a, string b, RenderBudget budget)
    {
        budget.ChargeString((long)a.Length + b.Length);
        return a + b;
    }

    private static object? Add(object? a, object? b, RenderBudget budget)
    {
        switch (a)
        {
            case string sa when b is string sb:
                return Concat(sa, sb, budget);

            // Lenient like llama.cpp: a missing value next to a string reads as "".
            case string sa when b is Undefined:
                return sa;
            case Undefined when b is string sb:
                return sb;
            case List<object?> la when b is List<object?> lb:
                budget.CheckListLength((long)la.Count + lb.Count);
                return new List<object?>([.. la, .. lb]);
            case object?[] ta when b is object?[] tb:
                budget.CheckListLength((long)ta.Length + tb.Length);
                return (object?[])[.. ta, .. tb];
            default:
                return Numeric("+", a, b, (x, y) => checked(x + y), (x, y) => x + y);
        }
    }

    private static object? Multiply(object? a, object? b, RenderBudget budget)
    {
        if (a is long or bool && b is string or List<object?> or object?[])
        {
            (a, b) = (b, a);
        }

        if (b is long or bool)
        {
            var times = Math.Max(0, Operators.ToLong(b));
            switch (a)
            {
                case string s:
                    budget.ChargeString(s.Length * times);
                    return string.Concat(Enumerable.Repeat(s, (int)times));
                case List<object?> list:
                    budget.CheckListLength(list.Count * times);
                    return Enumerable.Range(0, (int)times).SelectMany(_ => list).ToList();
                case object?[] tuple:
                    budget.CheckListLength(tuple.Length * times);
                    return Enumerable.Range(0, (int)times).SelectMany(_ => tuple).ToArray();
            }
        }

        return Numeric("*", a, b, (x, y) => checked(x * y), (x, y) => x * y);
    }

    private static double Divide(object? a, object? b)
    {
        RequireNumbers("/", a, b);
        var divisor = Operators.ToDouble(b);
        if (divisor == 0)
        {
            throw new JinjaError("division by zero");
        }

        return Operators.ToDouble(a) / divisor;
    }

    private static object FloorDivide(object? a, object? b)
    {
        RequireNumbers("//", a, b);
        if (Operators.ToDouble(b) == 0)
        {
            throw new JinjaError("integer division or modulo by zero");
        }

        if (a is long or bool && b is long or bool)
        {
            var x = Operators.ToLong(a);
            var y = Operators.ToLong(b);
            var q = x / y;
            return (x % y != 0) && ((x < 0) != (y < 0)) ? q - 1 : q;
        }

        return Math.Floor(Operators.ToDouble(a) / Operators.ToDouble(b));
    }

    private static object Modulo(object? a, object? b, RenderBudget budget)
    {
        if (a is string format)
        {
            var result = PythonFormat.Percent(format, b);
            budget.ChargeString(result.Length);
            return result;
        }

        RequireNumbers("%", a, b);
        if (Operators.ToDouble(b) == 0)
        {
            throw new JinjaError("integer division or modulo by zero");
        }

        if (a is long or bool && b is long or bool)
        {
            var x = Operators.ToLong(a);
            var y = Operators.ToLong(b);
            var r = x % y;
            return r != 0 && (r < 0) != (y < 0) ? r + y : r;
        }

        var dx = Operators.ToDouble(a);
        var dy = Operators.ToDouble(b);
        var m = dx % dy;
        return m != 0 && (m < 0) != (dy < 0) ? m + dy : m;
    }

    private static object Power(object? a, object? b)
    {
        RequireNumbers("**", a, b);
        if (a is long or bool && b is long or bool && Operators.ToDouble(b) >= 0)
        {
            var x = Operators.ToLong(a);
            var e = Operators.ToLong(b);
            var result = 1L;
            try
            {
                while (e > 0)
                {
                    if ((e & 1) == 1)
                    {
                        result = checked(result * x);
                    }

                    e >>= 1;
                    if (e > 0)
                    {
                        x = checked(x * x);
                    }
                }
            }
            catch (OverflowException)
            {
                throw new JinjaError("integer overflow in '**'");
            }

            return result;
        }

        return Math.Pow(Operators.ToDouble(a), Operators.ToDouble(b));
    }

    private static object Numeric(string op, object? a, object? b, Func<long, long, long> ints, Func<double, double, double> floats)
    {
        RequireNumbers(op, a, b);
        if (a is long or bool && b is long or bool)
        {
            try
            {
                return ints(Operators.ToLong(a), Operators.ToLong(b));
            }
            catch (OverflowException)
            {
                throw new JinjaError($"integer overflow in '{op}'");
            }
        }

        return floats(Operators.ToDouble(a), Operators.ToDouble(b));
    }

    private static void RequireNumbers(string op, object? a, object? b)
    {
        if (!Operators.IsNumber(a) || !Operators.IsNumber(b))
        {
            throw new JinjaError($"unsupported operand type(s) for {op}: '{ValueText.TypeName(a)}' and '{ValueText.TypeName(b)}'");
        }
    }
}
