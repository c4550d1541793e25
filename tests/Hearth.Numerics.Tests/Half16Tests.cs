using System.Runtime.Intrinsics;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Tests;

public class Half16Tests
{
    [Fact]
    public void Scalar_half_conversion_is_exact_for_all_65536_values()
    {
        for (var i = 0; i < 65536; i++)
        {
            var expected = (float)BitConverter.UInt16BitsToHalf((ushort)i);
            var got = Fp16.ToFloat((ushort)i);
            Assert.True(expected.Equals(got), $"0x{i:X4}: {got} vs {expected}");
            unsafe
            {
                var h = (ushort)i;
                Assert.True(expected.Equals(Fp16.Read((byte*)&h)));
            }
        }
    }

    [Fact]
    public unsafe void Vector_half_conversions_are_exact_for_all_65536_values()
    {
        var all = new ushort[65536];
        for (var i = 0; i < all.Length; i++)
        {
            all[i] = (ushort)i;
        }

        fixed (ushort* p = all)
        {
            for (var i = 0; i < all.Length; i += 8)
            {
                var v = Vector128.Load(p + i);
                var (lo, hi) = V128Ops.HalfToFloat(v);
                var wide = Avx2Ops.IsSupported ? Avx2Ops.HalfToFloat(v) : Vector256.Create(lo, hi);
                for (var j = 0; j < 8; j++)
                {
                    var expected = (float)BitConverter.UInt16BitsToHalf(all[i + j]);
                    Assert.True(expected.Equals(j < 4 ? lo[j] : hi[j - 4]), $"V128 0x{i + j:X4}");
                    Assert.True(expected.Equals(wide[j]), $"AVX2 0x{i + j:X4}");
                }
            }
        }
    }

    [Fact]
    public void Dot_and_AddScaled_match_scalar_on_every_path_and_length()
    {
        var rng = new Random(11);
        for (var n = 1; n <= 300; n++)
        {
            var f = TestData.Floats(rng, n);
            var h = new Half[n];
            Half16.FromFloat(f, h);
            var b = TestData.Floats(rng, n);
            var reference = Half16.DotWith(KernelPath.Scalar, h, b);
            var magnitude = 0.0;
            for (var i = 0; i < n; i++)
            {
                magnitude += Math.Abs((double)(float)h[i] * b[i]);
            }

            var accRef = TestData.Floats(rng, n);
            var expectedAcc = (float[])accRef.Clone();
            Half16.AddScaledWith(KernelPath.Scalar, h, 0.37f, expectedAcc);
            foreach (var path in WeightKernels.AvailablePaths)
            {
                Assert.True(Math.Abs(Half16.DotWith(path, h, b) - reference) <= 1e-5 * magnitude + 1e-6, $"{path} n={n}");
                var acc = (float[])accRef.Clone();
                Half16.AddScaledWith(path, h, 0.37f, acc);
                for (var i = 0; i < n; i++)
                {
                    Assert.True(Math.Abs(acc[i] - expectedAcc[i]) <= 1e-6f * (1 + Math.Abs(expectedAcc[i])), $"{path} n={n} i={i}");
                }
            }

            Assert.Equal(reference, Half16.DotWith(KernelPath.Scalar, h, b));
        }
    }

    [Fact]
    public void FromFloat_and_ToFloat_round_trip_like_the_Half_cast()
    {
        var rng = new Random(12);
        var f = TestData.Floats(rng, 1000, 70000f);
        var h = new Half[1000];
        Half16.FromFloat(f, h);
        var back = new float[1000];
        Half16.ToFloat(h, back);
        for (var i = 0; i < f.Length; i++)
        {
            Assert.Equal((Half)f[i], h[i]);
            Assert.Equal((float)(Half)f[i], back[i]);
        }

        Assert.Throws<ArgumentException>(() => Half16.FromFloat(f, new Half[999]));
        Assert.Throws<ArgumentException>(() => Half16.Dot(h, new float[10]));
    }
}
