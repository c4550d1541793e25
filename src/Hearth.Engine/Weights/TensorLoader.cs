using Hearth.Gguf;
using Hearth.Numerics;

namespace Hearth.Engine.Weights;

/// <summary>
/// Looks tensors up by name and checks type and shape. Matrices stay in the memory-mapped file;
/// only small vectors (norm weights, biases, rope factors) are copied out as floats.
/// Shapes are in ggml order: [row length (inputs), rows (outputs)].
/// </summary>
internal sealed unsafe class TensorLoader(GgufFile file)
{
    public GgufFile File => file;

    /// <summary>A required matrix of shape [columns, rows].</summary>
    public WeightMatrix Matrix(string name, int columns, int rows) =>
        OptionalMatrix(name, columns, rows) ?? throw new GgufMissingTensorException(name, file.Path);

    public WeightMatrix? OptionalMatrix(string name, int columns, int rows)
    {
        if (file.FindTensor(name) is not { } info)
        {
            return null;
        }

        CheckShape(info, [columns, rows]);
        if (!WeightKernels.IsSupported(info.Type))
        {
            throw new UnsupportedTensorTypeException(name, GgmlTypeInfo.Name(info.Type), file.Path, WeightKernels.Supported.Select(GgmlTypeInfo.Name));
        }

        return new WeightMatrix(name, WeightKernels.For(info.Type), file.GetTensorPointer(info), rows, columns);
    }

    /// <summary>
    /// A required stack of <paramref name="count"/> matrices of shape [columns, rows] (a tensor [columns, rows, count],
    /// e.g. ffn_up_exps), each a view where it lies in the mapping.
    /// </summary>
    public WeightMatrix[] Stacked(string name, int columns, int rows, int count)
    {
        var info = file.FindTensor(name) ?? throw new GgufMissingTensorException(name, file.Path);
        CheckShape(info, [columns, rows, count]);
        if (!WeightKernels.IsSupported(info.Type))
        {
            throw new UnsupportedTensorTypeException(name, GgmlTypeInfo.Name(info.Type), file.Path, WeightKernels.Supported.Select(GgmlTypeInfo.Name));
        }

        var all = new WeightMatrix(name, WeightKernels.For(info.Type), file.GetTensorPointer(info), checked(rows * count), columns);
        return Enumerable.Range(0, count).Select(e => all.Slice(e * rows, rows, $"{name}[{e}]")).ToArray();
    }

    /// <summary>A required vector of <paramref name="length"/> elements, as floats.</summary>
    public float[] Vector(string name, int length) =>
        OptionalVector(name, length) ?? throw new GgufMissingTensorException(name, file.Path);

    public float[]? OptionalVector(string name, int length)
    {
        if (file.FindTensor(name) is not { } info)
        {
            return null;
        }

        CheckShape(info, [length]);
        var result = new float[length];
        if (info.Type == GgmlType.F32)
        {
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(file.GetTensorBytes(info)).CopyTo(result);
        }
        else if (WeightKernels.IsSupported(info.Type))
        {
            WeightKernels.For(info.Type).DequantizeRow(file.GetTensorBytes(info), result);
        }
        else
        {
            throw new UnsupportedTensorTypeException(name, GgmlTypeInfo.Name(info.Type), file.Path, WeightKernels.Supported.Select(GgmlTypeInfo.Name));
        }

        return result;
    }

    private void CheckShape(GgufTensorInfo info, long[] expected)
    {
        var actual = info.Dimensions;
        if (!actual.AsSpan().SequenceEqual(expected))
        {
            throw new TensorShapeException(info.Name, file.Path, expected, actual);
        }
    }
}
