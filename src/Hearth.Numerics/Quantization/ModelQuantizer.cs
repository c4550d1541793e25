using System.Buffers.Binary;
using Hearth.Gguf;

namespace Hearth.Numerics.Quantization;

/// <summary>
/// Quantizes a whole GGUF model (F32/F16/BF16 tensors) the way the reference's llama-quantize does:
/// metadata copied with general.quantization_version and general.file_type set last, tensors in the reference's
/// order, each tensor's type from <see cref="TensorTypeSelector"/>. Tensors are streamed from the memory-mapped
/// input through the quantizer into the output, so memory stays at a few row chunks.
/// </summary>
public static class ModelQuantizer
{
    /// <summary>The reference's GGML_QNT_VERSION, stored as general.quantization_version.</summary>
    public const uint QuantizationVersion = 2;

    /// <summary>Plans the output type of each tensor of <paramref name="input"/> (in the reference's order).</summary>
    /// <exception cref="ModelQuantizationException">The input holds tensors that are already quantized.</exception>
    public static IReadOnlyList<(GgufTensorInfo Tensor, GgmlType Type)> Plan(GgufFile input, QuantizationTarget target)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        foreach (var t in input.Tensors)
        {
            if (t.Type is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 or GgmlType.I8 or GgmlType.I16 or GgmlType.I32 or GgmlType.I64 or GgmlType.F64))
            {
                throw new ModelQuantizationException(
                    $"{input.Path} is already quantized (tensor '{t.Name}' is {t.Type}); quantize from an F32, F16 or BF16 file.", input.Path, t.Name);
            }
        }

        var descriptors = input.Tensors.Select(t => new TensorDescriptor(t.Name, t.Dimensions, t.Type)).ToList();
        var types = TensorTypeSelector.Select(descriptors, ModelHyperParameters.FromMetadata(input.Metadata), target);
        return [.. TensorTypeSelector.ReferenceOrder(input.Tensors, t => t.Name).Select(t => (t, types[t.Name]))];
    }

    /// <summary>Quantizes <paramref name="inputPath"/> into <paramref name="outputPath"/>.</summary>
    public static void Quantize(string inputPath, string outputPath, QuantizationTarget target, IProgress<TensorProgress>? progress = null, int threads = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        using var input = GgufFile.Open(inputPath);
        var plan = Plan(input, target);

        var writer = new GgufWriter { Alignment = input.Alignment };
        foreach (var (key, value) in input.Metadata)
        {
            if (key is not ("general.file_type" or "general.quantization_version"))
            {
                writer.SetMetadata(key, value);
            }
        }

        writer.SetMetadata("general.quantization_version", QuantizationVersion);
        writer.SetMetadata("general.file_type", (uint)target.FileType);

        for (int i = 0; i < plan.Count; i++)
        {
            var (tensor, type) = plan[i];
            int index = i + 1;
            writer.AddTensor(tensor.Name, type, tensor.Dimensions, stream =>
            {
                WriteTensor(input, tensor, type, stream, threads);
                progress?.Report(new TensorProgress(index, plan.Count, tensor.Name, tensor.Dimensions, tensor.Type, type,
                    GgmlTypeInfo.RowBytes(type, tensor.RowLength) * tensor.RowCount));
            });
        }

        string temp = outputPath + ".tmp";
        try
        {
            writer.WriteTo(temp);
            File.Move(temp, outputPath, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static unsafe void WriteTensor(GgufFile input, GgufTensorInfo tensor, GgmlType type, Stream stream, int threads)
    {
        byte* data = input.GetTensorPointer(tensor);
        if (type == tensor.Type)
        {
            for (long done = 0; done < tensor.ByteSize;)
            {
                int n = (int)Math.Min(1 << 24, tensor.ByteSize - done);
                stream.Write(new ReadOnlySpan<byte>(data + done, n));
                done += n;
            }

            return;
        }

        long rowLength = tensor.RowLength;
        long rowBytes = tensor.RowBytes;
        GgmlType from = tensor.Type;
        nint basePtr = (nint)data;
        TensorStreamQuantizer.Write(stream, type, rowLength, tensor.RowCount, (first, count, dst) =>
        {
            var src = new ReadOnlySpan<byte>((byte*)basePtr + (first * rowBytes), checked((int)(count * rowBytes)));
            ToFloat(from, src, dst);
        }, threads);
    }

    /// <summary>Widens F32/F16/BF16 storage to F32 (exact for all three).</summary>
    private static void ToFloat(GgmlType from, ReadOnlySpan<byte> src, Span<float> dst)
    {
        switch (from)
        {
            case GgmlType.F32:
                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(src).CopyTo(dst);
                break;
            case GgmlType.F16:
                for (int i = 0; i < dst.Length; i++)
                {
                    dst[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]));
                }

                break;
            case GgmlType.BF16:
                for (int i = 0; i < dst.Length; i++)
                {
                    dst[i] = BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]) << 16);
                }

                break;
            default:
                throw new NotSupportedException($"Cannot convert {from} tensors to F32.");
        }
    }
}
