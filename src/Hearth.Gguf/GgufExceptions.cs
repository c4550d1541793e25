namespace Hearth.Gguf;

/// <summary>Base of every GGUF error; carries the file it concerns.</summary>
/// <remarks>
/// Derives from <see cref="FormatException"/> (InvalidDataException is sealed) so callers and the CLI's error
/// mapping treat any GGUF problem as "this input file is not what it should be" without knowing the subtypes.
/// </remarks>
public class GgufException : FormatException
{
    public GgufException(string message, string? path, Exception? inner = null)
        : base(message, inner)
    {
        Path = path;
    }

    /// <summary>The file (or "&lt;memory&gt;" for in-memory buffers) the error concerns, when known.</summary>
    public string? Path { get; }
}

/// <summary>The bytes are not a well-formed GGUF file: the reason and the byte offset where parsing stopped.</summary>
public sealed class GgufFormatException : GgufException
{
    public GgufFormatException(string? path, long offset, string reason)
        : base($"{path ?? "<memory>"}: invalid GGUF at byte {offset}: {reason}", path)
    {
        Offset = offset;
        Reason = reason;
    }

    /// <summary>Absolute byte offset in the file where the problem was found.</summary>
    public long Offset { get; }

    public string Reason { get; }
}

/// <summary>A metadata key is missing or holds a value of another type than the caller expects.</summary>
public sealed class GgufMetadataException : GgufException
{
    public GgufMetadataException(string key, string expectedType, GgufValueType? actualType, string? path)
        : base(actualType is null
            ? $"{path ?? "<memory>"}: metadata key '{key}' is missing (expected {expectedType})"
            : $"{path ?? "<memory>"}: metadata key '{key}' holds {Describe(actualType.Value)}, expected {expectedType}", path)
    {
        Key = key;
        ExpectedType = expectedType;
        ActualType = actualType;
    }

    private GgufMetadataException(string key, string expectedType, GgufValueType actualType, string? path, string detail)
        : base($"{path ?? "<memory>"}: metadata key '{key}' ({Describe(actualType)}): {detail}", path)
    {
        Key = key;
        ExpectedType = expectedType;
        ActualType = actualType;
    }

    public string Key { get; }

    /// <summary>What the caller asked for ("integer", "string", "array of string"...).</summary>
    public string ExpectedType { get; }

    /// <summary>The type found in the file; null when the key is missing.</summary>
    public GgufValueType? ActualType { get; }

    internal static GgufMetadataException OutOfRange(string key, string expectedType, GgufValueType actual, string? path, string detail) =>
        new(key, expectedType, actual, path, detail);

    private static string Describe(GgufValueType t) => t.ToString().ToLowerInvariant();
}

/// <summary>A tensor the caller needs is not in the file.</summary>
public sealed class GgufMissingTensorException : GgufException
{
    public GgufMissingTensorException(string tensorName, string? path)
        : base($"{path ?? "<memory>"}: tensor '{tensorName}' not found", path)
    {
        TensorName = tensorName;
    }

    public string TensorName { get; }
}
