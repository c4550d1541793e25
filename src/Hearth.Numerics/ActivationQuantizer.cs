using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics;

/// <summary>
/// Converts an f32 activation row to the format its weight kernel consumes, bit-exactly as the
/// reference does on x86 (ggml-cpu arch/x86 quants.c quantize_row_q8_0 / q8_1, and
/// ggml-quants.c quantize_row_q8_K_ref which x86 uses for Q8_K).
/// </summary>
public static class ActivationQuantizer
{
    /// <summary>Elements per block of each format (1 for the float formats).</summary>
    public static int BlockSize(ActivationFormat format) => format switch
    {
        ActivationFormat.Q8_0 or ActivationFormat.Q8_1 => 32,
        ActivationFormat.Q8_K => 256,
        _ => 1,
    };

    /// <summary>Bytes of a row of <paramref name="n"/> activations in <paramref name="format"/>.</summary>
    public static int RowBytes(ActivationFormat format, int n)
    {
        var block = BlockSize(format);
        if (n < 0 || n % block != 0)
        {
            throw new ArgumentException($"{n} activations is not a multiple of the {format} block size {block}.", nameof(n));
        }

        return format switch
        {
            ActivationFormat.F32 => n * 4,
            ActivationFormat.F16 or ActivationFormat.BF16 => n * 2,
            ActivationFormat.Q8_0 => n / 32 * Q8Layout.Q8_0Bytes,
            ActivationFormat.Q8_1 => n / 32 * Q8Layout.Q8_1Bytes,
            ActivationFormat.Q8_K => n / 256 * Q8Layout.Q8_KBytes,
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown activation format."),
        };
    }

    /// <summary>Writes <paramref name="x"/> (length a multiple of the block size) into <paramref name="dst"/>.</summary>
    public static void Quantize(ActivationFormat format, ReadOnlySpan<float> x, Span<byte> dst)
    {
        var bytes = RowBytes(format, x.Length);
        if (dst.Length < bytes)
        {
            throw new ArgumentException($"Destination holds {dst.Length} bytes; {format} x {x.Length} needs {bytes}.", nameof(dst));
        }

        switch (format)
        {
            case ActivationFormat.F32:
                MemoryMarshal.AsBytes(x).CopyTo(dst);
                break;
            case ActivationFormat.F16:
                // Round to nearest even, as the reference's GGML_FP32_TO_FP16 (F16C) does.
                TensorPrimitives.ConvertToHalf(x, MemoryMarshal.Cast<byte, Half>(dst[..bytes]));
                break;
            case ActivationFormat.BF16:
                var b = MemoryMarshal.Cast<byte, ushort>(dst[..bytes]);
                for (var i = 0; i < x.Length; i++)
                {
                    b[i] = Fp16.FloatToBFloat(x[i]);
                }

                break;
            case ActivationFormat.Q8_0:
                QuantizeQ8(x, dst, withSum: false);
                break;
            case ActivationFormat.Q8_1:
                QuantizeQ8(x, dst, withSum: true);
                break;
            case ActivationFormat.Q8_K:
                QuantizeQ8K(x, dst);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown activation format.");
        }
    }

    // x86 quantize_row_q8_0/q8_1: d = amax / 127 stored as f16, multiplier 127 / amax (not 1 / d),
    // round half to even (_mm256_round_ps nearest), and for Q8_1 s = f16(d * sum(q)) with the f32 d.
    private static void QuantizeQ8(ReadOnlySpan<float> x, Span<byte> dst, bool withSum)
    {
        var blockBytes = withSum ? Q8Layout.Q8_1Bytes : Q8Layout.Q8_0Bytes;
        var qsOffset = withSum ? 4 : 2;
        for (int i = 0, o = 0; i < x.Length; i += 32, o += blockBytes)
        {
            var block = x.Slice(i, 32);
            var amax = TensorPrimitives.MaxMagnitude(block);
            amax = MathF.Abs(amax);
            var d = amax / 127f;
            var id = amax != 0f ? 127f / amax : 0f;
            var sum = 0;
            var qs = MemoryMarshal.Cast<byte, sbyte>(dst.Slice(o + qsOffset, 32));
            for (var j = 0; j < 32; j++)
            {
                var q = (int)MathF.Round(block[j] * id, MidpointRounding.ToEven);
                qs[j] = (sbyte)q;
                sum += q;
            }

            WriteHalf(dst, o, d);
            if (withSum)
            {
                WriteHalf(dst, o + 2, d * sum);
            }
        }
    }

    // quantize_row_q8_K_ref: scale from the signed value of largest magnitude, iscale = -127 / max,
    // nearest_int (round half to even), q clipped to 127, bsums of 16, d = 1 / iscale as f32.
    private static void QuantizeQ8K(ReadOnlySpan<float> x, Span<byte> dst)
    {
        for (int i = 0, o = 0; i < x.Length; i += 256, o += Q8Layout.Q8_KBytes)
        {
            var block = x.Slice(i, 256);
            var qs = MemoryMarshal.Cast<byte, sbyte>(dst.Slice(o + 4, 256));
            var bsums = MemoryMarshal.Cast<byte, short>(dst.Slice(o + 260, 32));
            float max = 0, amax = 0;
            for (var j = 0; j < 256; j++)
            {
                var ax = MathF.Abs(block[j]);
                if (ax > amax)
                {
                    amax = ax;
                    max = block[j];
                }
            }

            if (amax == 0f)
            {
                dst.Slice(o, Q8Layout.Q8_KBytes).Clear();
                continue;
            }

            var iscale = -127f / max;
            for (var j = 0; j < 256; j++)
            {
                var v = (int)MathF.Round(iscale * block[j], MidpointRounding.ToEven);
                qs[j] = (sbyte)Math.Min(127, v);
            }

            for (var g = 0; g < 16; g++)
            {
                var s = 0;
                for (var j = 0; j < 16; j++)
                {
                    s += qs[g * 16 + j];
                }

                bsums[g] = (short)s;
            }

            Unsafe.WriteUnaligned(ref dst[o], 1f / iscale);
        }
    }

    private static void WriteHalf(Span<byte> dst, int offset, float value) =>
        Unsafe.WriteUnaligned(ref dst[offset], Fp16.FromFloat(value));
}
