namespace Hearth.Packaging.Spec;

/// <summary>One problem in a spec file: where (path and line:column, 1-based) and what.</summary>
public sealed record SpecError(string Path, int Line, int Column, string Message)
{
    public override string ToString() => Line > 0 ? $"{Path} (line {Line}:{Column}): {Message}" : $"{Path}: {Message}";
}

/// <summary>A spec file failed validation; <see cref="Errors"/> holds every problem found, in file order.</summary>
public sealed class SpecValidationException(string file, IReadOnlyList<SpecError> errors)
    : FormatException($"{file}: {errors.Count} error{(errors.Count == 1 ? "" : "s")}:" + Environment.NewLine +
        string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
{
    public string File { get; } = file;

    public IReadOnlyList<SpecError> Errors { get; } = errors;
}
