namespace Hearth.Numerics.Quantization;

/// <summary>A model file cannot be quantized as asked (already quantized input, unsupported tensor type).</summary>
public sealed class ModelQuantizationException : NotSupportedException
{
    public ModelQuantizationException(string message, string path, string? tensorName = null)
        : base(message)
    {
        Path = path;
        TensorName = tensorName;
    }

    public ModelQuantizationException()
        : this("The model cannot be quantized.", string.Empty)
    {
    }

    public ModelQuantizationException(string message)
        : this(message, string.Empty)
    {
    }

    public ModelQuantizationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = string.Empty;
    }

    /// <summary>The input file.</summary>
    public string Path { get; }

    /// <summary>The tensor at fault, when one is.</summary>
    public string? TensorName { get; }
}
