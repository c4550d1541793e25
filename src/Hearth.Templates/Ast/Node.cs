namespace Hearth.Templates.Ast;

/// <summary>Base of every syntax node; Line/Column (1-based) locate runtime errors in the source.</summary>
internal abstract record Node(int Line, int Column);
