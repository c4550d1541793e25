using System.Buffers.Binary;

namespace Hearth.Numerics.Quantization;

/// <summary>
/// BF16: the upper 16 bits of an IEEE binary32, 2 bytes little-endian per weight. Rounds to nearest even
/// and turns NaNs into quiet NaNs, as ggml's ggml_compute_fp32_to_bf16 (used by ggml_fp32_to_bf16_row_ref).
/// </summary>
internal static class BF16Converter
{
    public static ushort FromFloat(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7fffffff) > 0x7f800000)
        {
            // NaN: keep sign and payload, force the quiet bit so truncation cannot yield infinity.
            return (ushort)((bits >> 16) | 64);
        }

        return (ushort)((bits + (0x7fff + ((bits >> 16) & 1))) >> 16);
    }

    public static void Convert(ReadOnlySpan<float> src, Span<byte> dst)
    {
        for (int i = 0; i < src.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(dst[(2 * i)..], FromFloat(src[i]));
        }
    }
}
