using System.Buffers.Binary;

namespace Hearth.Numerics.Quantization;

/// <summary>
/// F16: IEEE binary16, 2 bytes little-endian per weight, rounded to nearest even
/// (ggml's fp32→fp16 conversion, F16C or its bit-exact software twin).
/// </summary>
internal static class F16Converter
{
    public static void Convert(ReadOnlySpan<float> src, Span<byte> dst)
    {
        for (int i = 0; i < src.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(dst[(2 * i)..], BitConverter.HalfToUInt16Bits((Half)src[i]));
        }
    }
}
