namespace Hearth.Numerics.Tests;

/// <summary>GELU-tanh as the reference's CPU backend computes it: through F16 input and output.</summary>
public sealed class GeluTests
{
    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    [InlineData(-1f)]
    [InlineData(0.3141f)]
    [InlineData(-2.75f)]
    [InlineData(6.5f)]
    [InlineData(-9.99f)]
    public void Values_are_the_formula_at_the_F16_input_rounded_to_F16(float x)
    {
        var expected = (float)(Half)Gelu.Exact((float)(Half)x);
        Assert.Equal(expected, Gelu.Of(x));
        Assert.InRange(Math.Abs(Gelu.Of(x) - Gelu.Exact(x)), 0f, 2e-3f * Math.Max(1f, Math.Abs(x)));
    }

    [Fact]
    public void Beyond_ten_the_input_passes_through_and_below_minus_ten_it_is_zero()
    {
        Assert.Equal(12.345f, Gelu.Of(12.345f));
        Assert.Equal(10f, Gelu.Of(10f));
        Assert.Equal(0f, Gelu.Of(-10f));
        Assert.Equal(0f, Gelu.Of(-123f));
    }

    [Fact]
    public void Gated_multiplies_by_up_and_checks_lengths()
    {
        float[] gate = [1f, -1f, 20f, -20f, 0.5f];
        float[] up = [2f, 3f, 0.5f, 7f, -4f];
        var expected = gate.Select((g, i) => Gelu.Of(g) * up[i]).ToArray();
        Gelu.Gated(gate, up);
        Assert.Equal(expected, gate);
        Assert.Equal(10f, gate[2]);
        Assert.Throws<ArgumentException>(() => Gelu.Gated(new float[3], new float[2]));
    }
}
