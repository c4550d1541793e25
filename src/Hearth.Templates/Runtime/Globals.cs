using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Runtime;

/// <summary>
/// Global functions every chat template may call: Jinja's range/namespace/dict/cycler/joiner and the
/// HF transformers additions raise_exception(message) and strftime_now(format).
/// </summary>
internal static class Globals
{
    public static void AddTo(Scope scope)
    {
        scope.Set("range", new BuiltinFunction("range", Range));
        scope.Set("namespace", new BuiltinFunction("namespace", (_, args, _) => Namespace(args)));
        scope.Set("dict", new BuiltinFunction("dict", (_, args, _) => MakeDict(args)));
        scope.Set("raise_exception", new BuiltinFunction("raise_exception", (_, args, at) =>
            throw new TemplateRuntimeException(ValueText.ToStr(args.Get(0, "message", "")), at.Line, at.Column, raisedByTemplate: true)));
        scope.Set("strftime_now", new BuiltinFunction("strftime_now", (evaluator, args, _) =>
            Strftime.Format(evaluator.Clock.GetLocalNow(), ValueText.ToStr(args.Get(0, "format", "%Y-%m-%d")))));
        scope.Set("joiner", new BuiltinFunction("joiner", (_, args, _) => Joiner(ValueText.ToStr(args.Get(0, "sep", ", ")))));
        scope.Set("cycler", new BuiltinFunction("cycler", (_, args, _) => Cycler(args.Positional)));
    }

    private static List<object?> Range(Evaluator evaluator, CallArgs args, Ast.Node at)
    {
        long start = 0, stop, step = 1;
        switch (args.Positional.Count)
        {
            case 1:
                stop = Operators.ToLong(args.Positional[0]);
                break;
            case 2:
                start = Operators.ToLong(args.Positional[0]);
                stop = Operators.ToLong(args.Positional[1]);
                break;
            case 3:
                start = Operators.ToLong(args.Positional[0]);
                stop = Operators.ToLong(args.Positional[1]);
                step = Operators.ToLong(args.Positional[2]);
                break;
            default:
                throw new JinjaError("range expects 1 to 3 integer arguments");
        }

        if (step == 0)
        {
            throw new JinjaError("range() arg 3 must not be zero");
        }

        var count = step > 0 ? Math.Max(0, ((stop - start) + step - 1) / step) : Math.Max(0, ((start - stop) + (-step) - 1) / -step);
        evaluator.Budget.CheckListLength(count);
        var result = new List<object?>((int)count);
        for (var i = 0; i < count; i++)
        {
            result.Add(start + (i * step));
        }

        return result;
    }

    private static NamespaceValue Namespace(CallArgs args)
    {
        var ns = new NamespaceValue();
        foreach (var initial in args.Positional)
        {
            if (initial is Dict d)
            {
                foreach (var pair in d)
                {
                    ns.Attributes[ValueText.ToStr(pair.Key)] = pair.Value;
                }
            }
        }

        foreach (var pair in args.Named)
        {
            ns.Attributes[pair.Key] = pair.Value;
        }

        return ns;
    }

    private static Dict MakeDict(CallArgs args)
    {
        var dict = new Dict();
        if (args.Positional.Count > 0 && args.Positional[0] is Dict source)
        {
            foreach (var pair in source)
            {
                dict[pair.Key] = pair.Value;
            }
        }

        foreach (var pair in args.Named)
        {
            dict[pair.Key] = pair.Value;
        }

        return dict;
    }

    private static BuiltinFunction Joiner(string separator)
    {
        var used = false;
        return new BuiltinFunction("joiner", (_, _, _) =>
        {
            if (!used)
            {
                used = true;
                return "";
            }

            return separator;
        });
    }

    private static Dict Cycler(List<object?> items)
    {
        var position = 0;
        var cycler = new Dict
        {
            ["next"] = new BuiltinFunction("next", (_, _, _) =>
            {
                if (items.Count == 0)
                {
                    return new Undefined("cycler.next");
                }

                var item = items[position];
                position = (position + 1) % items.Count;
                return item;
            }),
            ["reset"] = new BuiltinFunction("reset", (_, _, _) =>
            {
                position = 0;
                return null;
            }),
        };
        return cycler;
    }
}
