using Hearth.Gguf;
using Hearth.Numerics.Formats;

namespace Hearth.Numerics.Tests;

/// <summary>
/// The 512-bit Q4_K generation dot against the AVX2 one it replaces where AVX-512 is present: bit for bit, since
/// both add the same integers and do the same float operations (natively on AVX-512 machines, on 256-bit halves
/// elsewhere). Also through the kernel's one-activation matrix product, over odd row ranges.
/// </summary>
public sealed class Q4_KRowDot512Tests
{
    [Fact]
    public unsafe void Dot_is_bit_identical_to_the_avx2_dot_over_all_lengths()
    {
        if (!Hearth.Numerics.Simd.Avx2Ops.IsSupported)
        {
            // CI's no-intrinsics run: neither dot can run there, and the kernel routes to this one only on its AVX2
            // path, which that run does not offer.
            Assert.DoesNotContain(KernelPath.Avx2, WeightKernels.AvailablePaths);
            return;
        }

        var kernel = WeightKernels.For(GgmlType.Q4_K);
        var rng = new Random(512);
        var checkedRows = 0;
        foreach (var n in TestData.Lengths(GgmlType.Q4_K))
        {
            var w = TestData.Weights(rng, GgmlType.Q4_K, n, rows: 5);
            var a = TestData.Activation(rng, kernel, n, out _);
            fixed (byte* wp = w)
            fixed (byte* ap = a)
            {
                for (var r = 0; r < 5; r++)
                {
                    var row = wp + (r * kernel.RowBytes(n));
                    Assert.Equal(SuperBlock.DotAvx2<Q4_KKernel.Block>(row, ap, n), Q4_KRowDot512.Dot(row, ap, n));
                    checkedRows++;
                }
            }
        }

        Assert.Equal(50, checkedRows);
    }

    [Fact]
    public unsafe void Dot_is_bit_identical_at_extreme_quants_and_zero_mins()
    {
        if (!Hearth.Numerics.Simd.Avx2Ops.IsSupported)
        {
            // CI's no-intrinsics run: neither dot can run there, and the kernel routes to this one only on its AVX2
            // path, which that run does not offer.
            Assert.DoesNotContain(KernelPath.Avx2, WeightKernels.AvailablePaths);
            return;
        }

        var kernel = WeightKernels.For(GgmlType.Q4_K);
        const int n = 768;
        foreach (var fill in new byte[] { 0x00, 0x80, 0xFF, 0x7F, 0x88, 0x55 })
        {
            var w = TestData.Filled(GgmlType.Q4_K, n, fill);
            foreach (var sign in new[] { 1f, -1f })
            {
                var a = new byte[kernel.ActivationRowBytes(n)];
                ActivationQuantizer.Quantize(kernel.Activation, Enumerable.Repeat(sign, n).ToArray(), a);
                fixed (byte* wp = w)
                fixed (byte* ap = a)
                {
                    Assert.Equal(SuperBlock.DotAvx2<Q4_KKernel.Block>(wp, ap, n), Q4_KRowDot512.Dot(wp, ap, n));
                }
            }
        }
    }

    [Theory]
    [InlineData(0, 192)]
    [InlineData(3, 77)]
    [InlineData(190, 191)]
    public void One_activation_matmul_matches_the_avx2_dot_per_row_and_writes_only_its_rows(int r0, int r1)
    {
        var kernel = WeightKernels.For(GgmlType.Q4_K);
        var rng = new Random(r0 + r1);
        const int n = 1024, rows = 192;
        var w = TestData.Weights(rng, GgmlType.Q4_K, n, rows);
        var a = TestData.Activation(rng, kernel, n, out _);
        var output = Enumerable.Repeat(float.NaN, rows).ToArray();
        kernel.MatMulWith(KernelPath.Avx2, w, kernel.RowBytes(n), r0, r1, a, a.Length, 1, n, output, rows);
        for (var r = 0; r < rows; r++)
        {
            if (r < r0 || r >= r1)
            {
                Assert.True(float.IsNaN(output[r]), $"row {r} outside [{r0}, {r1}) was written");
                continue;
            }

            var row = w.AsSpan((int)(r * kernel.RowBytes(n)), (int)kernel.RowBytes(n));
            Assert.Equal(kernel.DotWith(KernelPath.Avx2, row, a, n), output[r]);
        }
    }
}
