using Hearth.Gguf;
using Hearth.Numerics.Quantization;
using Hearth.Testing;

namespace Hearth.Numerics.Tests.Quantization;

public sealed class ModelQuantizerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hearth-quant-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("llama-spm", "Q8_0", true, "q8_0")]
    [InlineData("llama-spm", "Q4_0", true, "q4_0")]
    [InlineData("llama-spm", "Q4_K_M", false, "q4_k_m")]
    [InlineData("qwen2-bpe", "Q4_K_M", false, "q4_k_m")]
    [InlineData("llama-spm", "BF16", false, "bf16")]
    public void Quantized_file_equals_the_reference_file(string family, string type, bool pure, string referenceName)
    {
        string outPath = Path.Combine(_dir, $"{family}-{referenceName}.gguf");
        var target = QuantizationTarget.Parse(type);
        var reports = new List<TensorProgress>();
        ModelQuantizer.Quantize(SharedData.ReferenceModel($"{family}-f32.gguf"), outPath, pure ? target.AsPure() : target,
            new SynchronousProgress<TensorProgress>(reports.Add), threads: 2);

        using var mine = GgufFile.Open(outPath);
        using var reference = GgufFile.Open(SharedData.ReferenceModel($"{family}-{referenceName}.gguf"));
        Assert.Equal(reference.Metadata.Keys, mine.Metadata.Keys);
        foreach (var (key, value) in reference.Metadata)
        {
            Assert.Equal(value.Type, mine.Metadata[key].Type);
            Assert.Equal(value.ToString(), mine.Metadata[key].ToString());
        }

        Assert.Equal(reference.Tensors.Select(t => (t.Name, t.Type, string.Join(",", t.Dimensions), t.Offset)),
            mine.Tensors.Select(t => (t.Name, t.Type, string.Join(",", t.Dimensions), t.Offset)));
        foreach (var t in reference.Tensors)
        {
            Assert.True(reference.GetTensorBytes(t).SequenceEqual(mine.GetTensorBytes(mine.GetTensor(t.Name))), t.Name);
        }

        // Same layout, same metadata, same data: the whole file is byte-identical to the reference's.
        Assert.Equal(File.ReadAllBytes(SharedData.ReferenceModel($"{family}-{referenceName}.gguf")), File.ReadAllBytes(outPath));
        Assert.Equal(reference.Tensors.Count, reports.Count);
        Assert.Equal(Enumerable.Range(1, reports.Count), reports.Select(r => r.Index));
    }

    [Fact]
    public void F16_input_is_widened_and_requantized()
    {
        // The reference's F16 file holds the F32 weights rounded to F16; quantizing it to F16 again is lossless.
        string outPath = Path.Combine(_dir, "from-f16.gguf");
        ModelQuantizer.Quantize(SharedData.ReferenceModel("llama-spm-f16.gguf"), outPath, QuantizationTarget.Parse("f16"));
        using var mine = GgufFile.Open(outPath);
        using var reference = GgufFile.Open(SharedData.ReferenceModel("llama-spm-f16.gguf"));
        foreach (var t in reference.Tensors)
        {
            Assert.True(reference.GetTensorBytes(t).SequenceEqual(mine.GetTensorBytes(mine.GetTensor(t.Name))), t.Name);
        }
    }

    [Fact]
    public void Already_quantized_input_is_refused_naming_a_tensor()
    {
        string input = SharedData.ReferenceModel("llama-spm-q4_0.gguf");
        var ex = Assert.Throws<ModelQuantizationException>(() =>
            ModelQuantizer.Quantize(input, Path.Combine(_dir, "x.gguf"), QuantizationTarget.Parse("Q8_0")));
        Assert.Contains("already quantized", ex.Message, StringComparison.Ordinal);
        Assert.Equal(input, ex.Path);
        Assert.NotNull(ex.TensorName);
        Assert.False(File.Exists(Path.Combine(_dir, "x.gguf")));
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
