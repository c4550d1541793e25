namespace Hearth.Templates;

/// <summary>
/// Rendering failed: the template called <c>raise_exception</c> (usually because the messages do not
/// fit the model's expectations, e.g. roles do not alternate), an operation had invalid operands, or a
/// safety limit (iterations, recursion depth, output size) was reached.
/// </summary>
public sealed class TemplateRuntimeException : Exception
{
    public TemplateRuntimeException(string reason, int line, int column, bool raisedByTemplate = false)
        : base(line > 0 ? $"template error at line {line}, column {column}: {reason}" : "template error: " + reason)
    {
        Reason = reason;
        Line = line;
        Column = column;
        RaisedByTemplate = raisedByTemplate;
    }

    public TemplateRuntimeException()
        : this("template error", 0, 0)
    {
    }

    public TemplateRuntimeException(string message)
        : this(message, 0, 0)
    {
    }

    public TemplateRuntimeException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>What went wrong, without the position prefix (for raise_exception: the template's own message).</summary>
    public string Reason { get; }

    /// <summary>1-based line of the expression or statement that failed; 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>1-based column of the expression or statement that failed; 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>True when the template itself called <c>raise_exception(message)</c>: the input was rejected by the model's rules.</summary>
    public bool RaisedByTemplate { get; }
}
