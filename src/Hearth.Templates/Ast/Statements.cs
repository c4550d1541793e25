namespace Hearth.Templates.Ast;

internal abstract record Stmt(int Line, int Column) : Node(Line, Column);

internal sealed record TextStmt(string Text, int Line, int Column) : Stmt(Line, Column);

internal sealed record OutputStmt(Expr Value, int Line, int Column) : Stmt(Line, Column);

internal sealed record IfStmt(IReadOnlyList<(Expr Condition, IReadOnlyList<Stmt> Body)> Branches, IReadOnlyList<Stmt>? Else, int Line, int Column) : Stmt(Line, Column);

/// <summary><c>for targets in iterable [if filter] ... [else ...] endfor</c>.</summary>
internal sealed record ForStmt(Target Target, Expr Iterable, Expr? Filter, IReadOnlyList<Stmt> Body, IReadOnlyList<Stmt>? Else, int Line, int Column) : Stmt(Line, Column);

/// <summary>An assignment target: a name, a tuple of targets, or <c>namespace.attribute</c>.</summary>
internal abstract record Target(int Line, int Column) : Node(Line, Column);

internal sealed record NameTarget(string Name, int Line, int Column) : Target(Line, Column);

internal sealed record TupleTarget(IReadOnlyList<Target> Items, int Line, int Column) : Target(Line, Column);

internal sealed record AttributeTarget(string Object, string Attribute, int Line, int Column) : Target(Line, Column);

internal sealed record SetStmt(Target Target, Expr Value, int Line, int Column) : Stmt(Line, Column);

/// <summary><c>{% set x | filters %}body{% endset %}</c>: captures the rendered body (Filters apply to it).</summary>
internal sealed record BlockSetStmt(Target Target, IReadOnlyList<FilterCall> Filters, IReadOnlyList<Stmt> Body, int Line, int Column) : Stmt(Line, Column);

internal sealed record FilterCall(string Name, Arguments Args, int Line, int Column);

internal sealed record MacroParameter(string Name, Expr? Default);

internal sealed record MacroStmt(string Name, IReadOnlyList<MacroParameter> Parameters, IReadOnlyList<Stmt> Body, int Line, int Column) : Stmt(Line, Column);

/// <summary><c>{% call(params) macro(args) %}body{% endcall %}</c>: the body becomes <c>caller()</c>.</summary>
internal sealed record CallBlockStmt(CallExpr Call, IReadOnlyList<MacroParameter> CallerParameters, IReadOnlyList<Stmt> Body, int Line, int Column) : Stmt(Line, Column);

internal sealed record FilterBlockStmt(IReadOnlyList<FilterCall> Filters, IReadOnlyList<Stmt> Body, int Line, int Column) : Stmt(Line, Column);

/// <summary><c>{% do expr %}</c>: evaluate for side effects (list.append), discard the value.</summary>
internal sealed record DoStmt(Expr Value, int Line, int Column) : Stmt(Line, Column);

internal sealed record BreakStmt(int Line, int Column) : Stmt(Line, Column);

internal sealed record ContinueStmt(int Line, int Column) : Stmt(Line, Column);

/// <summary>A body rendered as is: HF's <c>{% generation %}</c> marker block.</summary>
internal sealed record ScopeStmt(IReadOnlyList<Stmt> Body, int Line, int Column) : Stmt(Line, Column);
