namespace Hearth.Router.Config;

/// <summary>One problem in a config file: where (path into the document, 1-based line and column) and what.</summary>
public sealed record ConfigError(string Path, int Line, int Column, string Message)
{
    public override string ToString() => Line > 0 ? $"{Path} (line {Line}:{Column}): {Message}" : $"{Path}: {Message}";
}

/// <summary>A config file with errors; <see cref="Errors"/> holds every one of them, not just the first.</summary>
public sealed class RouterConfigException : Exception
{
    public RouterConfigException(string source, IReadOnlyList<ConfigError> errors)
        : base($"{source}: {errors.Count} error(s) in the router config:" + Environment.NewLine
            + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
    {
        Source = source;
        Errors = errors;
    }

    public RouterConfigException()
        : this("config", [])
    {
    }

    public RouterConfigException(string message)
        : base(message)
    {
        Errors = [];
    }

    public RouterConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    public IReadOnlyList<ConfigError> Errors { get; }
}
