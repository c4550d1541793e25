using Hearth.Engine.Architectures;

namespace Hearth.Engine.Tests;

public sealed class RopeTests
{
    private static RopeParameters Plain(int dims, float freqBase = 10000f) => new() { Dimensions = dims, FreqBase = freqBase, FreqScale = 1f };

    [Fact]
    public void Angles_are_position_times_base_to_the_minus_2i_over_d()
    {
        Span<float> cos = stackalloc float[4], sin = stackalloc float[4];
        Rope.Angles(Plain(8), 3, cos, sin);
        for (var i = 0; i < 4; i++)
        {
            var theta = 3 * Math.Pow(10000, -2.0 * i / 8);
            Assert.Equal(Math.Cos(theta), cos[i], 5);
            Assert.Equal(Math.Sin(theta), sin[i], 5);
        }
    }

    [Fact]
    public void Linear_scaling_divides_the_position()
    {
        Span<float> cos = stackalloc float[2], sin = stackalloc float[2], cos2 = stackalloc float[2], sin2 = stackalloc float[2];
        Rope.Angles(Plain(4) with { FreqScale = 0.25f }, 8, cos, sin);
        Rope.Angles(Plain(4), 2, cos2, sin2);
        Assert.Equal(cos2.ToArray(), cos.ToArray());
        Assert.Equal(sin2.ToArray(), sin.ToArray());
    }

    [Fact]
    public void The_attention_factor_scales_cos_and_sin()
    {
        Span<float> cos = stackalloc float[2], sin = stackalloc float[2], cos2 = stackalloc float[2], sin2 = stackalloc float[2];
        Rope.Angles(Plain(4) with { AttentionFactor = 1.19f }, 5, cos, sin);
        Rope.Angles(Plain(4), 5, cos2, sin2);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(cos2[i] * 1.19f, cos[i]);
            Assert.Equal(sin2[i] * 1.19f, sin[i]);
        }
    }

    [Fact]
    public void LongRoPE_takes_the_long_factors_only_beyond_the_original_context()
    {
        float[] shortFactors = [1f, 2f], longFactors = [3f, 4f];
        float[]? Vector(string name) => name switch
        {
            "rope_factors_short.weight" => shortFactors,
            "rope_factors_long.weight" => longFactors,
            _ => null,
        };
        var rope = Plain(4) with { OriginalContextLength = 4096 };
        Assert.Same(shortFactors, rope.WithFactors(Vector, 4096).FreqFactors);
        Assert.Same(longFactors, rope.WithFactors(Vector, 4097).FreqFactors);

        float[] freqs = [5f, 6f];   // a rope_freqs tensor wins over both
        Assert.Same(freqs, rope.WithFactors(n => n == "rope_freqs.weight" ? freqs : Vector(n), 8192).FreqFactors);
        Assert.Null(rope.WithFactors(_ => null, 8192).FreqFactors);
    }

    [Fact]
    public void Normal_mode_rotates_adjacent_pairs_and_neox_rotates_halves()
    {
        float[] cos = [0f, 1f], sin = [1f, 0f];   // pair 0 by 90 degrees, pair 1 unchanged
        float[] normal = [1, 2, 3, 4];
        Rope.Apply(RopeMode.Normal, normal, 1, 4, cos, sin);
        Assert.Equal([-2f, 1f, 3f, 4f], normal);

        float[] neox = [1, 2, 3, 4];
        Rope.Apply(RopeMode.NeoX, neox, 1, 4, cos, sin);
        Assert.Equal([-3f, 2f, 1f, 4f], neox);
    }

    [Fact]
    public void Llama3_factors_keep_high_frequencies_and_divide_low_ones_by_the_factor()
    {
        // Llama 3.1 8B settings: base 500000, head 128, factor 8, low 1, high 4, original context 8192.
        var factors = new Llama3Scaling(8f, 1f, 4f, 8192).Factors(500000f, 128);
        Assert.Equal(64, factors.Length);
        Assert.Equal(1f, factors[0]);                  // wavelength 2π: far below 8192/4
        Assert.Equal(8f, factors[^1]);                 // wavelength ~ 2π·500000^(126/128): far above 8192
        Assert.All(factors, f => Assert.InRange(f, 1f, 8f));
        for (var i = 1; i < factors.Length; i++)
        {
            Assert.True(factors[i] >= factors[i - 1]);  // monotone through the interpolated band
        }
    }
}
