using Hearth.Numerics.Formats;
using Hearth.Gguf;

namespace Hearth.Numerics.Tests;

public class WeightKernelTests
{
    public static TheoryData<GgmlType> Types => new(WeightKernels.Supported);

    public static TheoryData<GgmlType> BlockTypes => new(WeightKernels.Supported.Where(t => GgmlTypeInfo.BlockSize(t) > 1));

    public static TheoryData<GgmlType> SuperBlockTypes => new(WeightKernels.Supported.Where(t => GgmlTypeInfo.BlockSize(t) == 256));

    [Fact]
    public void Supports_the_fifteen_reference_types()
    {
        Assert.Equal(15, WeightKernels.Supported.Count);
        foreach (var t in new[] { GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_NL, GgmlType.IQ4_XS })
        {
            Assert.True(WeightKernels.IsSupported(t));
            Assert.Equal(t, WeightKernels.For(t).Type);
        }
    }

    [Fact]
    public void Unsupported_type_names_itself_and_the_supported_ones()
    {
        var e = Assert.Throws<NotSupportedException>(() => WeightKernels.For(GgmlType.IQ2_XXS));
        Assert.Contains("iq2_xxs", e.Message, StringComparison.Ordinal);
        Assert.Contains("q4_k", e.Message, StringComparison.Ordinal);
        Assert.False(WeightKernels.IsSupported(GgmlType.TQ1_0));
    }

    [Fact]
    public void Instruction_set_matches_the_runtime()
    {
        var avx512 = System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.X86.Avx512BW.IsSupported;
        var expected = System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported ? (avx512 ? "AVX-512 + AVX2" : "AVX2")
            : System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? "Vector128" : "scalar";
        Assert.Equal(expected, WeightKernels.InstructionSet);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Activation_formats_follow_the_reference_vec_dot_types(GgmlType type)
    {
        var expected = type switch
        {
            GgmlType.F32 => ActivationFormat.F32,
            GgmlType.F16 => ActivationFormat.F16,
            GgmlType.BF16 => ActivationFormat.BF16,
            GgmlType.Q4_1 or GgmlType.Q5_1 => ActivationFormat.Q8_1,
            GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q8_0 or GgmlType.IQ4_NL => ActivationFormat.Q8_0,
            _ => ActivationFormat.Q8_K,
        };
        var k = WeightKernels.For(type);
        Assert.Equal(expected, k.Activation);
        Assert.Equal(GgmlTypeInfo.BlockBytes(type), k.BlockBytes);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Every_path_matches_the_scalar_dot_over_all_lengths(GgmlType type)
    {
        var kernel = WeightKernels.For(type);
        var rng = new Random(1234 + (int)type);
        foreach (var n in TestData.Lengths(type))
        {
            var w = TestData.Weights(rng, type, n);
            var a = TestData.Activation(rng, kernel, n, out _);
            var reference = kernel.DotWith(KernelPath.Scalar, w, a, n);
            var magnitude = Magnitude(kernel, w, a, n);
            foreach (var path in WeightKernels.AvailablePaths)
            {
                var got = kernel.DotWith(path, w, a, n);
                Assert.True(Math.Abs(got - reference) <= 2e-5 * magnitude + 1e-6,
                    $"{type} {path} n={n}: {got} vs scalar {reference} (magnitude {magnitude})");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Vector128_tier_has_its_own_dot(GgmlType type)
    {
        // Every_path_matches_the_scalar_dot_over_all_lengths also passes for a kernel that silently falls
        // back to scalar on the Vector128 tier; this keeps every format on a real 128-bit path.
        Assert.True(WeightKernels.For(type).HasVector128Dot, $"{type} has no Vector128 dot");
    }

    [Theory]
    [MemberData(nameof(SuperBlockTypes))]
    public void Vector128_super_block_dot_is_bit_identical_to_scalar(GgmlType type)
    {
        // Exact integer sums combined in the reference's float order: any difference is a decoding bug,
        // not rounding, so no tolerance hides one.
        var kernel = WeightKernels.For(type);
        var rng = new Random(4321 + (int)type);
        foreach (var n in TestData.Lengths(type))
        {
            var w = TestData.Weights(rng, type, n);
            var a = TestData.Activation(rng, kernel, n, out _);
            Assert.Equal(kernel.DotWith(KernelPath.Scalar, w, a, n), kernel.DotWith(KernelPath.Vector128, w, a, n));
        }
    }

    [Theory]
    [MemberData(nameof(BlockTypes))]
    public void Every_path_matches_the_scalar_dot_at_extreme_quants(GgmlType type)
    {
        var kernel = WeightKernels.For(type);
        var n = kernel.BlockSize * 3;
        foreach (var fill in new byte[] { 0x00, 0x80, 0xFF, 0x7F, 0x88, 0x55 })
        {
            var w = TestData.Filled(type, n, fill);
            foreach (var sign in new[] { 1f, -1f })
            {
                var a = new byte[kernel.ActivationRowBytes(n)];
                ActivationQuantizer.Quantize(kernel.Activation, Enumerable.Repeat(sign, n).ToArray(), a);
                var reference = kernel.DotWith(KernelPath.Scalar, w, a, n);
                var magnitude = Magnitude(kernel, w, a, n);
                foreach (var path in WeightKernels.AvailablePaths)
                {
                    var got = kernel.DotWith(path, w, a, n);
                    Assert.True(Math.Abs(got - reference) <= 2e-5 * magnitude + 1e-6,
                        $"{type} {path} fill=0x{fill:X2} sign={sign}: {got} vs scalar {reference}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Scalar_dot_equals_the_dot_of_the_dequantized_rows(GgmlType type)
    {
        var kernel = WeightKernels.For(type);
        var rng = new Random(99 + (int)type);
        var n = kernel.BlockSize == 1 ? 257 : kernel.BlockSize * 7;
        var w = TestData.Weights(rng, type, n);
        var a = TestData.Activation(rng, kernel, n, out _);
        var wf = new float[n];
        kernel.DequantizeRow(w, wf);
        var af = DequantizeActivation(kernel.Activation, a, n);
        double expected = 0, magnitude = 0;
        for (var i = 0; i < n; i++)
        {
            expected += (double)wf[i] * af[i];
            magnitude += Math.Abs((double)wf[i] * af[i]);
        }

        // Q8_1 carries sum(a) as an f16 (relative error 2^-11) for the offset term.
        var tolerance = kernel.Activation == ActivationFormat.Q8_1 ? 1e-3 : 1e-4;
        var got = kernel.DotWith(KernelPath.Scalar, w, a, n);
        Assert.True(Math.Abs(got - expected) <= tolerance * magnitude + 1e-6, $"{type}: {got} vs {expected}");
    }

    /// <summary>Every tier the machine runs, and on the AVX2 tier every tile form: the AVX-512 and AVX-VNNI ones run
    /// natively where the CPU has them and are emulated with AVX2 elsewhere (see Avx512Ops, VnniDots).</summary>
    private static IEnumerable<(KernelPath Path, SignedTileProduct.TileChoice Tiles)> PathsAndTiles()
    {
        foreach (var path in WeightKernels.AvailablePaths)
        {
            if (path == KernelPath.Avx2)
            {
                yield return (path, SignedTileProduct.TileChoice.Avx2);
                yield return (path, SignedTileProduct.TileChoice.AvxVnni);
                yield return (path, SignedTileProduct.TileChoice.Avx512);
            }
            else
            {
                yield return (path, SignedTileProduct.TileChoice.Auto);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void MatMul_tiles_match_scalar_dots_and_leave_other_outputs_alone(GgmlType type)
    {
        var kernel = WeightKernels.For(type);
        var rng = new Random(7 + (int)type);
        var n = kernel.BlockSize == 1 ? 72 : kernel.BlockSize * 3;
        const int rows = 7, r0 = 1, r1 = 6, outputStride = 9;
        var wStride = kernel.RowBytes(n) + (kernel.BlockSize == 1 ? 8 : 5); // misaligned rows for block formats
        var weights = TestData.Weights(rng, type, n, rows, wStride);
        foreach (var nAct in new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 17 })
        {
            var aStride = kernel.ActivationRowBytes(n) + 3;
            var acts = new byte[(nAct - 1) * aStride + kernel.ActivationRowBytes(n)];
            for (var i = 0; i < nAct; i++)
            {
                TestData.Activation(rng, kernel, n, out _).CopyTo(acts, i * aStride);
            }

            foreach (var (path, tiles) in PathsAndTiles())
            {
                var output = Enumerable.Repeat(float.NaN, nAct * outputStride).ToArray();
                SignedTileProduct.Tiles = tiles;
                try
                {
                    kernel.MatMulWith(path, weights, wStride, r0, r1, acts, aStride, nAct, n, output, outputStride);
                }
                finally
                {
                    SignedTileProduct.Tiles = SignedTileProduct.TileChoice.Auto;
                }

                AssertMatchesScalarDots(kernel, weights, wStride, r0, r1, acts, aStride, nAct, n, output, outputStride, $"{type} {path}/{tiles} nAct={nAct}");
            }
        }
    }

    [Theory]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q5_0)]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.IQ4_NL)]
    [InlineData(GgmlType.Q2_K)]
    [InlineData(GgmlType.Q3_K)]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q5_K)]
    [InlineData(GgmlType.Q6_K)]
    public void Weight_major_tiles_match_scalar_dots_across_segments_and_tails(GgmlType type)
    {
        // Five or more activations take WeightMajorTile on AVX2 (Q4_0 up to eight: NibbleRowTile): 131 blocks are
        // two full 64-block segments and a short one (later segments add to the outputs), 19 rows are two 8-row
        // panels and a short one, and 23 activations end in a short tile of 3 (the VNNI form, WeightMajorTile.Vnni:
        // from 8 activations, 16 = two full 8-tiles, 23 ends in a short tile of 7). Super-blocks
        // (SuperBlockWeightMajorTile, from 32 activations): 17 are two 8-super-block segments and one more.
        var kernel = WeightKernels.For(type);
        var rng = new Random(11 + (int)type);
        var n = kernel.BlockSize == 256 ? 17 * 256 : 131 * 32;
        const int rows = 22, r0 = 2, r1 = 21, outputStride = 25;
        var wStride = kernel.RowBytes(n) + 3;
        var weights = TestData.Weights(rng, type, n, rows, wStride);
        foreach (var nAct in kernel.BlockSize == 256 ? new[] { 32, 35 } : new[] { 2, 3, 4, 8, 9, 16, 23 })
        {
            var aStride = kernel.ActivationRowBytes(n) + 5;
            var acts = new byte[(nAct - 1) * aStride + kernel.ActivationRowBytes(n)];
            for (var i = 0; i < nAct; i++)
            {
                TestData.Activation(rng, kernel, n, out _).CopyTo(acts, i * aStride);
            }

            foreach (var (path, tiles) in PathsAndTiles())
            {
                var output = Enumerable.Repeat(float.NaN, nAct * outputStride).ToArray();
                SignedTileProduct.Tiles = tiles;
                try
                {
                    kernel.MatMulWith(path, weights, wStride, r0, r1, acts, aStride, nAct, n, output, outputStride);
                }
                finally
                {
                    SignedTileProduct.Tiles = SignedTileProduct.TileChoice.Auto;
                }

                AssertMatchesScalarDots(kernel, weights, wStride, r0, r1, acts, aStride, nAct, n, output, outputStride, $"{type} {path}/{tiles} nAct={nAct}");
            }
        }
    }

    [Theory]
    [InlineData(GgmlType.Q4_0, 0, -1)]
    [InlineData(GgmlType.Q5_0, 0, -1)]
    [InlineData(GgmlType.Q8_0, 0, -1, 0x81)]
    [InlineData(GgmlType.Q2_K, 80, 82)]
    [InlineData(GgmlType.Q3_K, 108, -1)]
    [InlineData(GgmlType.Q4_K, 0, 2)]
    [InlineData(GgmlType.Q5_K, 0, 2)]
    [InlineData(GgmlType.Q6_K, 208, -1)]
    public void Tiles_do_not_overflow_at_the_largest_values(GgmlType type, int dOffset, int dminOffset, byte fill = 0xFF)
    {
        // Every quant, scale and min at its largest (all bits set) against activations at |q_a| = 127: the tiles sum
        // several vpmaddubsw pairs in 16 bits, which this reaches exactly at the limit (Q5_K and Q5_0: 4 x 2 x 31 x 127;
        // Q4_0: 8 x 2 x 15 x 127; Q8_0, filled with -127: 2 x 127 x 127 per pair).
        var kernel = WeightKernels.For(type);
        // Super-blocks: two 8-tiles, then three in the two-row form, and (35) the weight-major tile; 32-blocks: the
        // weight-major tile, and (2, 3, 7) the small-batch forms (the row form; Q4_0's nibble tile in passes of four and three).
        const int n = 512, rows = 3, nAct = 35;
        var rowBytes = (int)kernel.RowBytes(n);
        var weights = Enumerable.Repeat(fill, rowBytes * rows).ToArray();
        var blockBytes = kernel.BlockBytes;
        for (var b = 0; b < rows * n / kernel.BlockSize; b++)
        {
            BitConverter.TryWriteBytes(weights.AsSpan((b * blockBytes) + dOffset), (Half)0.5f);
            if (dminOffset >= 0)
            {
                BitConverter.TryWriteBytes(weights.AsSpan((b * blockBytes) + dminOffset), (Half)0.25f);
            }
        }

        var aStride = kernel.ActivationRowBytes(n);
        var acts = new byte[nAct * aStride];
        for (var i = 0; i < nAct; i++)
        {
            var x = Enumerable.Range(0, n).Select(e => i % 2 == 0 ? 1f : (e % 3 == 0 ? -1f : 0.5f)).ToArray();
            ActivationQuantizer.Quantize(kernel.Activation, x, acts.AsSpan(i * aStride, aStride));
        }

        foreach (var (path, count) in WeightKernels.AvailablePaths.SelectMany(p => new[] { (p, 2), (p, 3), (p, 7), (p, 19), (p, nAct) }))
        {
            var output = new float[count * rows];
            kernel.MatMulWith(path, weights, rowBytes, 0, rows, acts, aStride, count, n, output, rows);
            for (var i = 0; i < count; i++)
            {
                for (var r = 0; r < rows; r++)
                {
                    var w = weights.AsSpan(r * rowBytes);
                    var a = acts.AsSpan(i * aStride);
                    var expected = kernel.DotWith(KernelPath.Scalar, w, a, n);
                    var magnitude = Magnitude(kernel, w, a, n);
                    Assert.True(Math.Abs(output[(i * rows) + r] - expected) <= 2e-5 * magnitude + 1e-6, $"{type} {path} x{count} [{i},{r}]: {output[(i * rows) + r]} vs {expected}");
                }
            }
        }
    }

    [Theory]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.BF16)]
    public void Widened_tiles_over_long_rows_match_scalar_dots(GgmlType type)
    {
        // Rows longer than one position span of the widened tile (512) with a tail, and a partial second tile.
        var kernel = WeightKernels.For(type);
        var rng = new Random(11 + (int)type);
        const int n = 1100, rows = 3, nAct = 11;
        var wStride = kernel.RowBytes(n);
        var weights = TestData.Weights(rng, type, n, rows, wStride);
        var aStride = kernel.ActivationRowBytes(n);
        var acts = new byte[nAct * aStride];
        for (var i = 0; i < nAct; i++)
        {
            TestData.Activation(rng, kernel, n, out _).CopyTo(acts, i * aStride);
        }

        foreach (var path in WeightKernels.AvailablePaths)
        {
            var output = new float[nAct * rows];
            kernel.MatMulWith(path, weights, wStride, 0, rows, acts, aStride, nAct, n, output, rows);
            for (var i = 0; i < nAct; i++)
            {
                for (var r = 0; r < rows; r++)
                {
                    var w = weights.AsSpan((int)(r * wStride));
                    var a = acts.AsSpan(i * aStride);
                    var expected = kernel.DotWith(KernelPath.Scalar, w, a, n);
                    var magnitude = Magnitude(kernel, w, a, n);
                    Assert.True(Math.Abs(output[(i * rows) + r] - expected) <= 2e-5 * magnitude + 1e-6, $"{type} {path} [{i},{r}]: {output[(i * rows) + r]} vs {expected}");
                    if (path == KernelPath.Avx2)
                    {
                        // Summed in the per-pair dot's order: bit-identical (see WidenedTileProduct.RowTile).
                        Assert.Equal(kernel.DotWith(path, w, a, n), output[(i * rows) + r]);
                    }
                }
            }
        }
    }

    [Fact]
    public void Short_buffers_are_rejected_with_argument_errors()
    {
        var k = WeightKernels.For(GgmlType.Q4_0);
        Assert.Throws<ArgumentException>(() => k.Dot(new byte[17], new byte[34], 32));
        Assert.Throws<ArgumentException>(() => k.Dot(new byte[18], new byte[33], 32));
        Assert.Throws<ArgumentException>(() => k.Dot(new byte[18], new byte[34], 33));
        Assert.Throws<ArgumentException>(() => k.DequantizeRow(new byte[18], new float[64]));
        Assert.Throws<ArgumentException>(() => k.MatMul(new byte[18], 18, 0, 2, new byte[34], 34, 1, 32, new float[2], 2));
    }

    /// <summary>sum |w_i * a_i| of the dequantized rows: the scale of float rounding in a dot.</summary>
    /// <summary>Rows [r0, r1) of every activation match the scalar dot within the accumulation-order tolerance; the
    /// other outputs (NaN before the call) were not written.</summary>
    private static void AssertMatchesScalarDots(WeightKernel kernel, byte[] weights, long wStride, int r0, int r1, byte[] acts, int aStride, int nAct, int n,
        float[] output, int outputStride, string label)
    {
        for (var i = 0; i < nAct; i++)
        {
            for (var r = 0; r < outputStride; r++)
            {
                var got = output[i * outputStride + r];
                if (r < r0 || r >= r1)
                {
                    Assert.True(float.IsNaN(got), $"{label}: output [{i},{r}] outside the row range was written");
                    continue;
                }

                var w = weights.AsSpan((int)(r * wStride));
                var a = acts.AsSpan(i * aStride);
                var expected = kernel.DotWith(KernelPath.Scalar, w, a, n);
                var magnitude = Magnitude(kernel, w, a, n);
                Assert.True(Math.Abs(got - expected) <= 2e-5 * magnitude + 1e-6, $"{label} [{i},{r}]: {got} vs {expected}");
            }
        }
    }

    private static double Magnitude(WeightKernel kernel, ReadOnlySpan<byte> w, ReadOnlySpan<byte> a, int n)
    {
        var wf = new float[n];
        kernel.DequantizeRow(w, wf);
        var af = DequantizeActivation(kernel.Activation, a, n);
        double m = 0;
        for (var i = 0; i < n; i++)
        {
            m += Math.Abs((double)wf[i] * af[i]);
        }

        return m;
    }

    internal static float[] DequantizeActivation(ActivationFormat format, ReadOnlySpan<byte> a, int n)
    {
        var type = format switch
        {
            ActivationFormat.F32 => GgmlType.F32,
            ActivationFormat.F16 => GgmlType.F16,
            ActivationFormat.BF16 => GgmlType.BF16,
            ActivationFormat.Q8_0 => GgmlType.Q8_0,
            _ => (GgmlType?)null,
        };
        var result = new float[n];
        if (type is { } t)
        {
            WeightKernels.For(t).DequantizeRow(a, result);
            return result;
        }

        if (format == ActivationFormat.Q8_1)
        {
            for (var b = 0; b < n / 32; b++)
            {
                var d = (float)BitConverter.ToHalf(a.Slice(b * 36, 2));
                for (var j = 0; j < 32; j++)
                {
                    result[b * 32 + j] = d * (sbyte)a[b * 36 + 4 + j];
                }
            }

            return result;
        }

        for (var b = 0; b < n / 256; b++)
        {
            var d = BitConverter.ToSingle(a.Slice(b * 292, 4));
            for (var j = 0; j < 256; j++)
            {
                result[b * 256 + j] = d * (sbyte)a[b * 292 + 4 + j];
            }
        }

        return result;
    }
}
