namespace Hearth.Numerics.Quantization;

/// <summary>
/// Q8_0: blocks of 32 weights, 34 bytes = f16 scale d, then 32 signed bytes q; weight = d·q.
/// d = max|x| / 127 and q = round-half-away(x / d), as ggml's quantize_row_q8_0_ref.
/// </summary>
internal static class Q8_0Quantizer
{
    public const int BlockSize = 32;
    public const int BlockBytes = 34;

    public static void Quantize(ReadOnlySpan<float> src, Span<byte> dst)
    {
        for (int b = 0; b < src.Length / BlockSize; b++)
        {
            var x = src.Slice(b * BlockSize, BlockSize);
            var y = dst.Slice(b * BlockBytes, BlockBytes);
            float amax = 0;
            for (int j = 0; j < BlockSize; j++)
            {
                amax = MathF.Max(amax, MathF.Abs(x[j]));
            }

            float d = amax / ((1 << 7) - 1);
            float id = d != 0 ? 1.0f / d : 0.0f;
            QuantMath.WriteHalf(y, d);
            for (int j = 0; j < BlockSize; j++)
            {
                y[2 + j] = (byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
            }
        }
    }
}
