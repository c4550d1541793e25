using Hearth.Gguf;
using Hearth.Numerics.Quantization;

namespace Hearth.Numerics;

/// <summary>
/// Converts rows of F32 weights into ggml's storage types, byte for byte as the reference quantizer
/// (ggml-quants.c quantize_row_*_ref, no importance matrix) so files we write match files it writes.
/// Rows are independent blocks, so several rows may be passed as one span.
/// </summary>
public static class Quantizer
{
    private delegate void RowQuantizer(ReadOnlySpan<float> src, Span<byte> dst);

    private static readonly Dictionary<GgmlType, RowQuantizer> Quantizers = new()
    {
        [GgmlType.F32] = CopyF32,
        [GgmlType.F16] = F16Converter.Convert,
        [GgmlType.BF16] = BF16Converter.Convert,
        [GgmlType.Q8_0] = Q8_0Quantizer.Quantize,
        [GgmlType.Q4_0] = Q4_0Quantizer.Quantize,
        [GgmlType.Q4_1] = Q4_1Quantizer.Quantize,
        [GgmlType.Q5_0] = Q5_0Quantizer.Quantize,
        [GgmlType.Q5_1] = Q5_1Quantizer.Quantize,
        [GgmlType.Q2_K] = Q2_KQuantizer.Quantize,
        [GgmlType.Q3_K] = Q3_KQuantizer.Quantize,
        [GgmlType.Q4_K] = Q4_KQuantizer.Quantize,
        [GgmlType.Q5_K] = Q5_KQuantizer.Quantize,
        [GgmlType.Q6_K] = Q6_KQuantizer.Quantize,
    };

    /// <summary>Types <see cref="QuantizeRow"/> can produce, in ggml's numbering order.</summary>
    public static IReadOnlyList<GgmlType> Supported { get; } = [.. Quantizers.Keys.Order()];

    /// <summary>True when <see cref="QuantizeRow"/> can produce <paramref name="type"/>.</summary>
    public static bool CanQuantizeTo(GgmlType type) => Quantizers.ContainsKey(type);

    /// <summary>
    /// Quantizes <paramref name="src"/> (a multiple of the type's block size) into <paramref name="dst"/>,
    /// which must hold at least <see cref="GgmlTypeInfo.RowBytes"/> bytes.
    /// </summary>
    /// <exception cref="NotSupportedException">The type has no quantizer.</exception>
    /// <exception cref="ArgumentException">The length is not a multiple of the block size, or dst is too small.</exception>
    public static void QuantizeRow(GgmlType type, ReadOnlySpan<float> src, Span<byte> dst)
    {
        if (!Quantizers.TryGetValue(type, out var quantize))
        {
            throw new NotSupportedException(
                $"Cannot quantize to {type}; supported types: {string.Join(", ", Supported)}.");
        }

        long needed = GgmlTypeInfo.RowBytes(type, src.Length);
        if (dst.Length < needed)
        {
            throw new ArgumentException($"Destination holds {dst.Length} bytes but {src.Length} elements of {type} need {needed}.", nameof(dst));
        }

        quantize(src, dst);
    }

    private static void CopyF32(ReadOnlySpan<float> src, Span<byte> dst) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(src).CopyTo(dst);
}
