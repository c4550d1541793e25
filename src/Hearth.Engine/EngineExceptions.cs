namespace Hearth.Engine;

/// <summary>The file's architecture (general.architecture) has no implementation in this engine.</summary>
public sealed class UnsupportedArchitectureException : NotSupportedException
{
    public UnsupportedArchitectureException(string architecture, string path, IEnumerable<string> supported)
        : base($"Model architecture '{architecture}' in {path} is not supported; supported architectures: {string.Join(", ", supported)}.")
    {
        Architecture = architecture;
        Path = path;
    }

    public string Architecture { get; }
    public string Path { get; }
}

/// <summary>A tensor uses a weight type the engine cannot compute with.</summary>
public sealed class UnsupportedTensorTypeException : NotSupportedException
{
    public UnsupportedTensorTypeException(string tensorName, string typeName, string path, IEnumerable<string> supported)
        : base($"Tensor '{tensorName}' in {path} has type {typeName}, which is not supported; supported types: {string.Join(", ", supported)}.")
    {
        TensorName = tensorName;
        TypeName = typeName;
        Path = path;
    }

    public string TensorName { get; }
    public string TypeName { get; }
    public string Path { get; }
}

/// <summary>A tensor exists but its shape does not match the hyper-parameters.</summary>
public sealed class TensorShapeException : FormatException
{
    public TensorShapeException(string tensorName, string path, IReadOnlyList<long> expected, IReadOnlyList<long> actual)
        : base($"Tensor '{tensorName}' in {path} has shape [{string.Join(", ", actual)}], expected [{string.Join(", ", expected)}].")
    {
        TensorName = tensorName;
        Path = path;
    }

    public string TensorName { get; }
    public string Path { get; }
}

/// <summary>A hyper-parameter is missing or out of range.</summary>
public sealed class ModelHyperParameterException : FormatException
{
    public ModelHyperParameterException(string key, string reason)
        : base($"Model hyper-parameter '{key}': {reason}.")
    {
        Key = key;
    }

    public string Key { get; }
}

/// <summary>A sequence would grow past the context the cache (or model) was created for.</summary>
public sealed class ContextLengthExceededException : ArgumentException
{
    public ContextLengthExceededException(int requiredLength, int contextLength)
        : base($"The sequence needs {requiredLength} positions but the context holds {contextLength}.")
    {
        RequiredLength = requiredLength;
        ContextLength = contextLength;
    }

    public int RequiredLength { get; }
    public int ContextLength { get; }
}
