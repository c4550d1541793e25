namespace Hearth.Templates.Ast;

internal abstract record Expr(int Line, int Column) : Node(Line, Column);

/// <summary>A constant: string, long, double, bool or null (none).</summary>
internal sealed record LiteralExpr(object? Value, int Line, int Column) : Expr(Line, Column);

internal sealed record NameExpr(string Name, int Line, int Column) : Expr(Line, Column);

internal sealed record ListExpr(IReadOnlyList<Expr> Items, int Line, int Column) : Expr(Line, Column);

internal sealed record TupleExpr(IReadOnlyList<Expr> Items, int Line, int Column) : Expr(Line, Column);

internal sealed record DictExpr(IReadOnlyList<(Expr Key, Expr Value)> Pairs, int Line, int Column) : Expr(Line, Column);

/// <summary><c>obj.name</c>: item lookup for mappings, attribute for runtime objects (loop, namespace).</summary>
internal sealed record AttributeExpr(Expr Target, string Name, int Line, int Column) : Expr(Line, Column);

/// <summary><c>obj[index]</c>.</summary>
internal sealed record IndexExpr(Expr Target, Expr Index, int Line, int Column) : Expr(Line, Column);

/// <summary><c>obj[start:stop:step]</c> with Python semantics; missing parts are null.</summary>
internal sealed record SliceExpr(Expr Target, Expr? Start, Expr? Stop, Expr? Step, int Line, int Column) : Expr(Line, Column);

internal sealed record Arguments(IReadOnlyList<Expr> Positional, IReadOnlyList<(string Name, Expr Value)> Named)
{
    public static readonly Arguments Empty = new([], []);
}

internal sealed record CallExpr(Expr Callee, Arguments Args, int Line, int Column) : Expr(Line, Column);

/// <summary><c>value | name(args)</c>.</summary>
internal sealed record FilterExpr(Expr Value, string Name, Arguments Args, int Line, int Column) : Expr(Line, Column);

/// <summary><c>value is [not] name(args)</c>.</summary>
internal sealed record TestExpr(Expr Value, string Name, Arguments Args, bool Negated, int Line, int Column) : Expr(Line, Column);

/// <summary>Unary operator: "not", "-", "+".</summary>
internal sealed record UnaryExpr(string Op, Expr Operand, int Line, int Column) : Expr(Line, Column);

/// <summary>Binary operator: + - * / // % ** ~ and or.</summary>
internal sealed record BinaryExpr(string Op, Expr Left, Expr Right, int Line, int Column) : Expr(Line, Column);

/// <summary>A comparison chain a &lt; b &lt;= c (ops: == != &lt; &lt;= &gt; &gt;= in notin), evaluated like Python.</summary>
internal sealed record CompareExpr(Expr First, IReadOnlyList<(string Op, Expr Operand)> Rest, int Line, int Column) : Expr(Line, Column);

/// <summary><c>a if cond else b</c>; a missing else yields undefined.</summary>
internal sealed record ConditionalExpr(Expr Condition, Expr Then, Expr? Else, int Line, int Column) : Expr(Line, Column);
