namespace Hearth.Numerics.Quantization;

/// <summary>
/// Q4_0: blocks of 32 weights, 18 bytes = f16 scale d, then 16 bytes of nibbles; byte j holds weight j
/// (low nibble) and weight j+16 (high nibble); weight = d·(q − 8).
/// d = (signed value of largest magnitude) / −8, as ggml's quantize_row_q4_0_ref.
/// </summary>
internal static class Q4_0Quantizer
{
    public const int BlockSize = 32;
    public const int BlockBytes = 18;

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

            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            QuantMath.WriteHalf(y, d);
            for (int j = 0; j < BlockSize / 2; j++)
            {
                // The reference truncates (x/d + 8.5) toward zero, which rounds half up within [0, 16].
                int q0 = Math.Min(15, (int)(sbyte)(x[j] * id + 8.5f));
                int q1 = Math.Min(15, (int)(sbyte)(x[j + BlockSize / 2] * id + 8.5f));
                y[2 + j] = (byte)(q0 | (q1 << 4));
            }
        }
    }
}
