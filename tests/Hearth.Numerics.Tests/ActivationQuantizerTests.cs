using System.Runtime.InteropServices;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Tests;

public class ActivationQuantizerTests
{
    [Theory]
    [InlineData(ActivationFormat.F32, 64, 256)]
    [InlineData(ActivationFormat.F16, 64, 128)]
    [InlineData(ActivationFormat.BF16, 64, 128)]
    [InlineData(ActivationFormat.Q8_0, 64, 68)]
    [InlineData(ActivationFormat.Q8_1, 64, 72)]
    [InlineData(ActivationFormat.Q8_K, 512, 584)]
    public void Row_bytes_follow_the_block_structs(ActivationFormat format, int n, int bytes) =>
        Assert.Equal(bytes, ActivationQuantizer.RowBytes(format, n));

    [Fact]
    public void Lengths_off_the_block_grid_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => ActivationQuantizer.RowBytes(ActivationFormat.Q8_0, 33));
        Assert.Throws<ArgumentException>(() => ActivationQuantizer.Quantize(ActivationFormat.Q8_K, new float[256], new byte[291]));
    }

    [Fact]
    public void Q8_0_uses_amax_over_127_and_rounds_half_to_even()
    {
        // amax = 127 makes the multiplier exactly 1, so 2.5 -> 2 and 3.5 -> 4 expose the rounding mode.
        var x = new float[32];
        x[0] = 127f;
        x[1] = 2.5f;
        x[2] = 3.5f;
        x[3] = -2.5f;
        x[4] = -126.6f;
        var dst = new byte[34];
        ActivationQuantizer.Quantize(ActivationFormat.Q8_0, x, dst);
        Assert.Equal(Fp16.FromFloat(1f), BitConverter.ToUInt16(dst, 0));
        var q = MemoryMarshal.Cast<byte, sbyte>(dst.AsSpan(2));
        Assert.Equal([127, 2, 4, -2, -127], q[..5].ToArray());
        Assert.All(q[5..].ToArray(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void Q8_0_matches_the_reference_formula_on_random_rows()
    {
        var rng = new Random(5);
        var x = TestData.Floats(rng, 32 * 20, 3f);
        var dst = new byte[ActivationQuantizer.RowBytes(ActivationFormat.Q8_0, x.Length)];
        ActivationQuantizer.Quantize(ActivationFormat.Q8_0, x, dst);
        for (var b = 0; b < 20; b++)
        {
            var block = x.AsSpan(b * 32, 32);
            var amax = 0f;
            foreach (var v in block)
            {
                amax = Math.Max(amax, Math.Abs(v));
            }

            Assert.Equal(Fp16.FromFloat(amax / 127f), BitConverter.ToUInt16(dst, b * 34));
            for (var j = 0; j < 32; j++)
            {
                Assert.Equal((sbyte)Math.Round(block[j] * (127f / amax), MidpointRounding.ToEven), (sbyte)dst[b * 34 + 2 + j]);
            }
        }
    }

    [Fact]
    public void Q8_1_stores_d_times_the_sum_of_quants()
    {
        var rng = new Random(6);
        var x = TestData.Floats(rng, 96);
        var q81 = new byte[3 * 36];
        var q80 = new byte[3 * 34];
        ActivationQuantizer.Quantize(ActivationFormat.Q8_1, x, q81);
        ActivationQuantizer.Quantize(ActivationFormat.Q8_0, x, q80);
        for (var b = 0; b < 3; b++)
        {
            Assert.Equal(BitConverter.ToUInt16(q80, b * 34), BitConverter.ToUInt16(q81, b * 36));
            Assert.Equal(q80.AsSpan(b * 34 + 2, 32).ToArray(), q81.AsSpan(b * 36 + 4, 32).ToArray());
            var amax = x.AsSpan(b * 32, 32).ToArray().Max(Math.Abs);
            var sum = q81.AsSpan(b * 36 + 4, 32).ToArray().Sum(v => (sbyte)v);
            Assert.Equal(Fp16.FromFloat(amax / 127f * sum), BitConverter.ToUInt16(q81, b * 36 + 2));
        }
    }

    [Fact]
    public void Q8_K_scales_by_the_signed_extreme_and_keeps_block_sums()
    {
        var rng = new Random(8);
        var x = TestData.Floats(rng, 512);
        x[10] = -5f; // the extreme of block 0 is negative: iscale = -127 / -5
        var dst = new byte[584];
        ActivationQuantizer.Quantize(ActivationFormat.Q8_K, x, dst);
        Assert.Equal(1f / (-127f / -5f), BitConverter.ToSingle(dst, 0));
        Assert.Equal(-127, (sbyte)dst[4 + 10]);
        for (var b = 0; b < 2; b++)
        {
            var d = BitConverter.ToSingle(dst, b * 292);
            for (var j = 0; j < 256; j++)
            {
                Assert.True(Math.Abs(d * (sbyte)dst[b * 292 + 4 + j] - x[b * 256 + j]) <= Math.Abs(d) * 0.5001f);
            }

            for (var g = 0; g < 16; g++)
            {
                var expected = 0;
                for (var j = 0; j < 16; j++)
                {
                    expected += (sbyte)dst[b * 292 + 4 + g * 16 + j];
                }

                Assert.Equal(expected, BitConverter.ToInt16(dst, b * 292 + 260 + 2 * g));
            }
        }
    }

    [Fact]
    public void Q8_K_of_zeros_is_all_zero()
    {
        var dst = Enumerable.Repeat((byte)0xAA, 292).ToArray();
        ActivationQuantizer.Quantize(ActivationFormat.Q8_K, new float[256], dst);
        Assert.All(dst, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Half_formats_round_to_nearest_even()
    {
        float[] x = [1f + 1f / 4096f, 1f + 3f / 4096f, -0.1f, 65504f, 1e-7f];
        var f16 = new byte[10];
        ActivationQuantizer.Quantize(ActivationFormat.F16, x, f16);
        var halves = MemoryMarshal.Cast<byte, Half>(f16);
        for (var i = 0; i < x.Length; i++)
        {
            Assert.Equal((Half)x[i], halves[i]);
        }

        var bf16 = new byte[10];
        ActivationQuantizer.Quantize(ActivationFormat.BF16, x, bf16);
        // 1 + 2^-12 is below half an ulp of bf16 (2^-8), so it rounds down to 1.0 = 0x3F80.
        Assert.Equal(0x3F80, BitConverter.ToUInt16(bf16, 0));
        Assert.Equal(BitConverter.SingleToUInt32Bits(-0.1f) + 0x7FFF + ((BitConverter.SingleToUInt32Bits(-0.1f) >> 16) & 1) >> 16, BitConverter.ToUInt16(bf16, 4));
    }
}
