using System.Buffers.Binary;

namespace Hearth.Numerics.Quantization;

/// <summary>
/// Q5_1: blocks of 32 weights, 24 bytes = f16 scale d, f16 minimum m, 4 bytes qh (5th bits),
/// 16 bytes of low nibbles; weight = d·q + m. d = (max − min) / 31, as ggml's quantize_row_q5_1_ref.
/// </summary>
internal static class Q5_1Quantizer
{
    public const int BlockSize = 32;
    public const int BlockBytes = 24;

    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        for (int b = 0; b < src.Length / BlockSize; b++)
        {
            var x = src.Slice(b * BlockSize, BlockSize);
            var y = dst.Slice(b * BlockBytes, BlockBytes);
            float min = float.MaxValue, max = -float.MaxValue;
            for (int j = 0; j < BlockSize; j++)
            {
                if (x[j] < min)
                {
                    min = x[j];
                }

                if (x[j] > max)
                {
                    max = x[j];
                }
            }

            float d = (max - min) / ((1 << 5) - 1);
            float id = d != 0 ? 1.0f / d : 0.0f;
            QuantMath.WriteHalf(y, d);
            QuantMath.WriteHalf(y[2..], min);
            uint qh = 0;
            for (int j = 0; j < BlockSize / 2; j++)
            {
                // No clamp here in the reference: (max − min)/d rounds to at most 31.
                int q0 = (byte)((x[j] - min) * id + 0.5f);
                int q1 = (byte)((x[j + BlockSize / 2] - min) * id + 0.5f);
                y[8 + j] = (byte)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
                qh |= (uint)((q0 & 0x10) >> 4) << j;
                qh |= (uint)((q1 & 0x10) >> 4) << (j + BlockSize / 2);
            }

            BinaryPrimitives.WriteUInt32LittleEndian(y[4..], qh);
        }
    }
}
