using Hearth.Gguf;
using Hearth.Testing;

namespace Hearth.Numerics.Tests;

/// <summary>
/// Checks the block layouts against the reference's own quantizer: every reference model file was
/// quantized from llama-spm-f32.gguf by llama.cpp, so dequantizing its tensors must land near the f32
/// values. A wrong offset, nibble order or scale packing lands near 100% error.
/// </summary>
public sealed class ReferenceModelTests : IDisposable
{
    private readonly GgufFile _f32 = GgufFile.Open(SharedData.ReferenceModel("llama-spm-f32.gguf"));

    public void Dispose() => _f32.Dispose();

    // Relative RMS error bounds (error RMS / value RMS, worst weight matrix of the type). Measured on
    // these files (2026-11-22): f16 0.0002, bf16 0.0017, q8_0 0.0054, q6_k 0.018, q5_1 0.038, q5_k 0.037,
    // q5_0 0.043, q4_k 0.072, q4_1 0.079, iq4_nl 0.077, iq4_xs 0.077, q4_0 0.086, q3_k 0.15, q2_k 0.30;
    // the bounds leave ~25% headroom. A wrong layout gives errors near or above 1.
    [Theory]
    [InlineData("f16", GgmlType.F16, 0.0004)]
    [InlineData("bf16", GgmlType.BF16, 0.0025)]
    [InlineData("q8_0", GgmlType.Q8_0, 0.007)]
    [InlineData("q6_k", GgmlType.Q6_K, 0.023)]
    [InlineData("q5_0", GgmlType.Q5_0, 0.054)]
    [InlineData("q5_1", GgmlType.Q5_1, 0.048)]
    [InlineData("q5_k", GgmlType.Q5_K, 0.046)]
    [InlineData("q4_0", GgmlType.Q4_0, 0.11)]
    [InlineData("q4_1", GgmlType.Q4_1, 0.1)]
    [InlineData("q4_k", GgmlType.Q4_K, 0.09)]
    [InlineData("iq4_nl", GgmlType.IQ4_NL, 0.096)]
    [InlineData("iq4_xs", GgmlType.IQ4_XS, 0.097)]
    [InlineData("q3_k", GgmlType.Q3_K, 0.19)]
    [InlineData("q2_k", GgmlType.Q2_K, 0.37)]
    public void Dequantized_tensors_match_the_f32_source(string file, GgmlType type, double bound)
    {
        using var q = GgufFile.Open(SharedData.ReferenceModel($"llama-spm-{file}.gguf"));
        var kernel = WeightKernels.For(type);
        var matrices = 0;
        var (worst, worstName) = (0.0, "");
        foreach (var t in q.Tensors.Where(t => t.Type == type && t.Dimensions.Length == 2))
        {
            var source = _f32.GetTensor(t.Name);
            var n = (int)t.RowLength;
            var row = new float[n];
            var bytes = q.GetTensorBytes(t);
            var f32 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(_f32.GetTensorBytes(source));
            double err = 0, sq = 0;
            for (var r = 0; r < t.RowCount; r++)
            {
                kernel.DequantizeRow(bytes.Slice((int)(r * t.RowBytes), (int)t.RowBytes), row);
                for (var i = 0; i < n; i++)
                {
                    var x = f32[r * n + i];
                    err += (row[i] - x) * (double)(row[i] - x);
                    sq += x * (double)x;
                }
            }

            var rel = Math.Sqrt(err / sq);
            (worst, worstName) = rel > worst ? (rel, t.Name) : (worst, worstName);
            matrices++;
        }

        Assert.True(worst <= bound, $"{worstName} ({file}): relative RMS error {worst:F4} > {bound}");

        Assert.True(matrices >= 7, $"only {matrices} {type} matrices in llama-spm-{file}.gguf");
    }

    // The whole path the engine uses: quantize activations, MatMul against the mapped tensor, compare with
    // the f32 product. Measured: f16 0.0003, bf16 0.0023, q8_0 0.0068, q6_k 0.018, q5_k 0.037, q5_1 0.040,
    // q5_0 0.043, q4_k 0.075, iq4_nl 0.077, iq4_xs 0.077, q4_1 0.080, q4_0 0.089, q3_k 0.16, q2_k 0.31 (~25% headroom).
    [Theory]
    [InlineData("f16", GgmlType.F16, 0.001)]
    [InlineData("bf16", GgmlType.BF16, 0.003)]
    [InlineData("q8_0", GgmlType.Q8_0, 0.009)]
    [InlineData("q4_0", GgmlType.Q4_0, 0.11)]
    [InlineData("q4_1", GgmlType.Q4_1, 0.1)]
    [InlineData("q5_0", GgmlType.Q5_0, 0.054)]
    [InlineData("q5_1", GgmlType.Q5_1, 0.05)]
    [InlineData("iq4_nl", GgmlType.IQ4_NL, 0.096)]
    [InlineData("q2_k", GgmlType.Q2_K, 0.38)]
    [InlineData("q3_k", GgmlType.Q3_K, 0.2)]
    [InlineData("q4_k", GgmlType.Q4_K, 0.094)]
    [InlineData("q5_k", GgmlType.Q5_K, 0.046)]
    [InlineData("q6_k", GgmlType.Q6_K, 0.023)]
    [InlineData("iq4_xs", GgmlType.IQ4_XS, 0.097)]
    public void MatMul_over_a_mapped_tensor_matches_the_f32_product(string file, GgmlType type, double bound)
    {
        using var q = GgufFile.Open(SharedData.ReferenceModel($"llama-spm-{file}.gguf"));
        var kernel = WeightKernels.For(type);
        var t = q.Tensors.First(t => t.Type == type && t.Name.EndsWith("ffn_down.weight", StringComparison.Ordinal));
        var n = (int)t.RowLength;
        var rows = (int)t.RowCount;
        const int nAct = 6;
        var rng = new Random(3);
        var x = TestData.Floats(rng, n * nAct);
        var aBytes = kernel.ActivationRowBytes(n);
        var acts = new byte[aBytes * nAct];
        for (var i = 0; i < nAct; i++)
        {
            ActivationQuantizer.Quantize(kernel.Activation, x.AsSpan(i * n, n), acts.AsSpan(i * aBytes, aBytes));
        }

        var output = new float[rows * nAct];
        kernel.MatMul(q.GetTensorBytes(t), t.RowBytes, 0, rows, acts, aBytes, nAct, n, output, rows);
        var f32 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(_f32.GetTensorBytes(_f32.GetTensor(t.Name)));
        double err = 0, sq = 0;
        for (var i = 0; i < nAct; i++)
        {
            for (var r = 0; r < rows; r++)
            {
                double expected = 0;
                for (var k = 0; k < n; k++)
                {
                    expected += f32[r * n + k] * (double)x[i * n + k];
                }

                var single = kernel.Dot(q.GetTensorBytes(t).Slice((int)(r * t.RowBytes)), acts.AsSpan(i * aBytes), n);
                Assert.Equal(single, output[i * rows + r], 1e-4f * (1 + Math.Abs(single)));
                err += (output[i * rows + r] - expected) * (output[i * rows + r] - expected);
                sq += expected * expected;
            }
        }

        var rel = Math.Sqrt(err / sq);
        Assert.True(rel <= bound, $"{t.Name} ({file}) x {nAct} activations: relative RMS error {rel:F4} > {bound}");
    }
}
