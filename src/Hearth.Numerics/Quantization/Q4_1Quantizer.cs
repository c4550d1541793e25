namespace Hearth.Numerics.Quantization;

/// <summary>
/// Q4_1: blocks of 32 weights, 20 bytes = f16 scale d, f16 minimum m, then 16 bytes of nibbles
/// (weight j low, weight j+16 high); weight = d·q + m. d = (max − min) / 15, as ggml's quantize_row_q4_1_ref.
/// </summary>
internal static class Q4_1Quantizer
{
    public const int BlockSize = 32;
    public const int BlockBytes = 20;

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

            float d = (max - min) / ((1 << 4) - 1);
            float id = d != 0 ? 1.0f / d : 0.0f;
            QuantMath.WriteHalf(y, d);
            QuantMath.WriteHalf(y[2..], min);
            for (int j = 0; j < BlockSize / 2; j++)
            {
                int q0 = Math.Min(15, (int)(sbyte)((x[j] - min) * id + 0.5f));
                int q1 = Math.Min(15, (int)(sbyte)((x[j + BlockSize / 2] - min) * id + 0.5f));
                y[4 + j] = (byte)(q0 | (q1 << 4));
            }
        }
    }
}
