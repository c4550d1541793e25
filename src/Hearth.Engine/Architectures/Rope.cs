namespace Hearth.Engine.Architectures;

/// <summary>
/// Rotary position embedding. Angles follow ggml's rope cache (ggml-cpu ops.cpp, rope_yarn without
/// YaRN extrapolation): theta starts at the position and is multiplied by base^(-2/dims) per pair, in
/// float; a frequency factor divides it and the linear scale multiplies it.
/// </summary>
internal static class Rope
{
    /// <summary>Fills cos/sin (dims/2 each) for one position.</summary>
    public static void Angles(RopeParameters rope, int position, Span<float> cos, Span<float> sin)
    {
        var pairs = rope.Dimensions / 2;
        var thetaScale = MathF.Pow(rope.FreqBase, -2f / rope.Dimensions);
        var theta = (float)position;
        var factors = rope.FreqFactors;
        for (var i = 0; i < pairs; i++)
        {
            var angle = rope.FreqScale * (factors is null ? theta : theta / factors[i]);
            cos[i] = MathF.Cos(angle) * rope.AttentionFactor;
            sin[i] = MathF.Sin(angle) * rope.AttentionFactor;
            theta *= thetaScale;
        }
    }

    /// <summary>Rotates every head of one token's vector in place.</summary>
    public static void Apply(RopeMode mode, Span<float> x, int heads, int headDim, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        var pairs = cos.Length;
        for (var h = 0; h < heads; h++)
        {
            var v = x.Slice(h * headDim, headDim);
            if (mode == RopeMode.Normal)
            {
                for (var i = 0; i < pairs; i++)
                {
                    float x0 = v[2 * i], x1 = v[(2 * i) + 1];
                    v[2 * i] = (x0 * cos[i]) - (x1 * sin[i]);
                    v[(2 * i) + 1] = (x0 * sin[i]) + (x1 * cos[i]);
                }
            }
            else
            {
                for (var i = 0; i < pairs; i++)
                {
                    float x0 = v[i], x1 = v[i + pairs];
                    v[i] = (x0 * cos[i]) - (x1 * sin[i]);
                    v[i + pairs] = (x0 * sin[i]) + (x1 * cos[i]);
                }
            }
        }
    }
}
