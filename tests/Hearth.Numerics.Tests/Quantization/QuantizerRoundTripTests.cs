using Hearth.Gguf;

namespace Hearth.Numerics.Tests.Quantization;

public class QuantizerRoundTripTests
{
    private const int N = 4 * 256;

    /// <summary>Gaussian-ish weights (sum of 4 uniforms, std ~0.02) plus a few outliers, seeded.</summary>
    internal static float[] Weights(int seed, int n = N)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            double s = rng.NextDouble() + rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 2.0;
            x[i] = (float)(s * 0.035);
        }

        for (int i = 0; i < n; i += 97)
        {
            x[i] *= 5;
        }

        return x;
    }

    private static float[] RoundTrip(GgmlType type, float[] x)
    {
        var q = new byte[GgmlTypeInfo.RowBytes(type, x.Length)];
        Quantizer.QuantizeRow(type, x, q);
        return TestDequantizer.Dequantize(type, q, x.Length);
    }

    [Theory]
    // Per block, the worst error is half a step (a full step where the reference clamps the far end),
    // plus the f16 rounding of the stored scale and minimum (relative 2^-11).
    [InlineData(GgmlType.Q8_0, 32, 0.5 / 127)]
    [InlineData(GgmlType.Q4_0, 32, 1.0 / 8)]
    [InlineData(GgmlType.Q5_0, 32, 1.0 / 16)]
    [InlineData(GgmlType.Q4_1, 32, 0.5 / 15)]
    [InlineData(GgmlType.Q5_1, 32, 0.5 / 31)]
    public void Simple_formats_stay_within_their_step(GgmlType type, int block, double stepsOfRange)
    {
        foreach (int seed in new[] { 1, 2, 3 })
        {
            var x = Weights(seed);
            var y = RoundTrip(type, x);
            for (int b = 0; b < x.Length / block; b++)
            {
                var xs = x.AsSpan(b * block, block);
                float amax = 0, min = float.MaxValue, max = float.MinValue;
                foreach (var v in xs)
                {
                    amax = Math.Max(amax, Math.Abs(v));
                    min = Math.Min(min, v);
                    max = Math.Max(max, v);
                }

                bool asymmetric = type is GgmlType.Q4_1 or GgmlType.Q5_1;
                double range = asymmetric ? max - min : amax;
                double bound = (range * stepsOfRange * 1.002) + (amax * Math.Pow(2, -10));
                for (int j = 0; j < block; j++)
                {
                    double err = Math.Abs(y[(b * block) + j] - xs[j]);
                    Assert.True(err <= bound, $"{type} block {b} element {j}: |{y[(b * block) + j]} - {xs[j]}| = {err} > {bound}");
                }
            }
        }
    }

    [Theory]
    // Normalized RMS error (rms(x' - x) / rms(x)) on Gaussian-like weights with outliers. Measured for this
    // seed: Q2_K 0.331, Q3_K 0.181, Q4_K 0.082, Q5_K 0.041, Q6_K 0.024, Q8_0 0.0077, Q4_0 0.120, F16 0.0002,
    // BF16 0.0016; limits leave ~30% headroom. A wrong nibble order, scale packing or sign lands near 1.
    [InlineData(GgmlType.Q2_K, 0.42)]
    [InlineData(GgmlType.Q3_K, 0.23)]
    [InlineData(GgmlType.Q4_K, 0.105)]
    [InlineData(GgmlType.Q5_K, 0.053)]
    [InlineData(GgmlType.Q6_K, 0.031)]
    [InlineData(GgmlType.Q8_0, 0.010)]
    [InlineData(GgmlType.Q4_0, 0.15)]
    [InlineData(GgmlType.F16, 0.0003)]
    [InlineData(GgmlType.BF16, 0.0021)]
    public void Relative_rms_error_is_within_the_format_budget(GgmlType type, double limit)
    {
        var x = Weights(7, 16 * 256);
        var y = RoundTrip(type, x);
        double se = 0, sx = 0;
        for (int i = 0; i < x.Length; i++)
        {
            se += (y[i] - x[i]) * (double)(y[i] - x[i]);
            sx += x[i] * (double)x[i];
        }

        double rel = Math.Sqrt(se / sx);
        Assert.True(rel <= limit, $"{type}: relative RMS error {rel:F5} > {limit}");
        Assert.True(rel > 0, $"{type}: a lossy format reproduced every weight exactly");
    }

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void Zero_rows_decode_to_zero(GgmlType type)
    {
        var x = new float[512];
        var y = RoundTrip(type, x);
        Assert.All(y, v => Assert.Equal(0f, v));
    }

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void Rows_are_independent_so_many_rows_quantize_as_one_span(GgmlType type)
    {
        var x = Weights(11, 2 * 512);
        long rowBytes = GgmlTypeInfo.RowBytes(type, 512);
        var together = new byte[2 * rowBytes];
        Quantizer.QuantizeRow(type, x, together);
        var first = new byte[rowBytes];
        var second = new byte[rowBytes];
        Quantizer.QuantizeRow(type, x.AsSpan(0, 512), first);
        Quantizer.QuantizeRow(type, x.AsSpan(512, 512), second);
        Assert.Equal(first, together[..(int)rowBytes]);
        Assert.Equal(second, together[(int)rowBytes..]);
    }

    [Theory]
    [InlineData(GgmlType.F32)]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.BF16)]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q4_1)]
    [InlineData(GgmlType.Q5_0)]
    public void Values_on_the_grid_of_a_power_of_two_scale_survive_exactly(GgmlType type)
    {
        // Blocks holding the integers −8..7 times 2^-6: the formats whose scale follows directly from the
        // extremes (d = −max/8, (max − min)/15, −max/16) land exactly on this grid, so the round trip is exact.

        var x = new float[256];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = ((i % 16) - 8) / 64f;
        }

        var y = RoundTrip(type, x);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(y[i] - x[i]) <= 1e-6, $"{type} element {i}: {y[i]} != {x[i]}");
        }
    }

    public static TheoryData<GgmlType> AllTypes()
    {
        var data = new TheoryData<GgmlType>();
        foreach (var t in Quantizer.Supported)
        {
            data.Add(t);
        }

        return data;
    }
}
