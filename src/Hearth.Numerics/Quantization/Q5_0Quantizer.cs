using System.Buffers.Binary;

namespace Hearth.Numerics.Quantization;

/// <summary>
/// Q5_0: blocks of 32 weights, 22 bytes = f16 scale d, 4 bytes qh (bit j = 5th bit of weight j),
/// 16 bytes of low nibbles (weight j low, weight j+16 high); weight = d·(q − 16).
/// d = (signed value of largest magnitude) / −16, as ggml's quantize_row_q5_0_ref.
/// </summary>
internal static class Q5_0Quantizer
{
    public const int BlockSize = 32;
    public const int BlockBytes = 22;

    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        for (int b = 0; b < src.Length / BlockSize; b++)
        {
            var x = src.Slice(b * BlockSize, BlockSize);
            var y = dst.Slice(b * BlockBytes, BlockBytes);
            float amax = 0, max = 0;
            for (int j = 0; j < BlockSize; j++)
            {
                if (amax < MathF.Abs(x[j]))
                {
                    amax = MathF.Abs(x[j]);
                    max = x[j];
                }
            }

            float d = max / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;
            QuantMath.WriteHalf(y, d);
            uint qh = 0;
            for (int j = 0; j < BlockSize / 2; j++)
            {
                int q0 = Math.Min(31, (int)(sbyte)(x[j] * id + 16.5f));
                int q1 = Math.Min(31, (int)(sbyte)(x[j + BlockSize / 2] * id + 16.5f));
                y[6 + j] = (byte)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
                qh |= (uint)((q0 & 0x10) >> 4) << j;
                qh |= (uint)((q1 & 0x10) >> 4) << (j + BlockSize / 2);
            }

            BinaryPrimitives.WriteUInt32LittleEndian(y[2..], qh);
        }
    }
}
