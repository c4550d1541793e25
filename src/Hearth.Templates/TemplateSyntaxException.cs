namespace Hearth.Templates;

/// <summary>
/// The template source is not valid Jinja (or uses a construct Hearth does not implement).
/// <see cref="Line"/> and <see cref="Column"/> are 1-based and point at the offending token.
/// </summary>
public sealed class TemplateSyntaxException : FormatException
{
    public TemplateSyntaxException(string reason, int line, int column)
        : base($"template syntax error at line {line}, column {column}: {reason}")
    {
        Reason = reason;
        Line = line;
        Column = column;
    }

    public TemplateSyntaxException()
        : this("invalid template", 1, 1)
    {
    }

    public TemplateSyntaxException(string message)
        : this(message, 1, 1)
    {
    }

    public TemplateSyntaxException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
        Line = 1;
        Column = 1;
    }

    /// <summary>What is wrong, without the position prefix.</summary>
    public string Reason { get; }

    public int Line { get; }

    public int Column { get; }
}
