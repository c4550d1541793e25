using Hearth.Gguf;
using Hearth.Numerics.Quantization;
using Hearth.Numerics.Synthesis;
using Hearth.Testing;

namespace Hearth.Numerics.Tests.Quantization;

public sealed class SyntheticModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hearth-synth-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string type, ulong seed, int threads)
    {
        string path = Path.Combine(_dir, name);
        using var vocab = GgufFile.Open(SharedData.ReferenceModel("vocab-spm-4096.gguf"));
        SyntheticModel.Write(path, ModelShape.Get("ref-256"), QuantizationTarget.Parse(type), vocab.Metadata, seed, threads: threads);
        return path;
    }

    [Fact]
    public void Same_seed_gives_identical_bytes_whatever_the_thread_count()
    {
        var a = File.ReadAllBytes(Write("a.gguf", "Q4_0", 42, threads: 1));
        var b = File.ReadAllBytes(Write("b.gguf", "Q4_0", 42, threads: 3));
        Assert.Equal(a, b);
    }

    [Fact]
    public void Different_seeds_give_different_weights()
    {
        using var a = GgufFile.Open(Write("a.gguf", "Q8_0", 1, threads: 2));
        using var b = GgufFile.Open(Write("b.gguf", "Q8_0", 2, threads: 2));
        var ta = a.GetTensor("blk.0.attn_q.weight");
        Assert.False(a.GetTensorBytes(ta).SequenceEqual(b.GetTensorBytes(b.GetTensor("blk.0.attn_q.weight"))));
        // Norms are 1.0 regardless of the seed.
        Assert.True(a.GetTensorBytes(a.GetTensor("output_norm.weight")).SequenceEqual(b.GetTensorBytes(b.GetTensor("output_norm.weight"))));
    }

    [Fact]
    public void File_has_the_shape_metadata_vocabulary_and_weight_statistics_asked_for()
    {
        using var f = GgufFile.Open(Write("m.gguf", "F16", 7, threads: 2));
        var md = f.Metadata;
        Assert.Equal("llama", md.GetString("general.architecture"));
        Assert.Equal(256, md.GetInteger("llama.embedding_length"));
        Assert.Equal(2, md.GetInteger("llama.block_count"));
        Assert.Equal(768, md.GetInteger("llama.feed_forward_length"));
        Assert.Equal(4, md.GetInteger("llama.attention.head_count"));
        Assert.Equal(2, md.GetInteger("llama.attention.head_count_kv"));
        Assert.Equal(64, md.GetInteger("llama.rope.dimension_count"));
        Assert.Equal(2048, md.GetInteger("llama.context_length"));
        Assert.Equal(10000.0, md.GetFloat("llama.rope.freq_base"));
        Assert.Equal(1e-5, md.GetFloat("llama.attention.layer_norm_rms_epsilon"), 1e-9);
        Assert.Equal(4096, md.GetStringArray("tokenizer.ggml.tokens").Length);
        Assert.Equal("llama", md.GetString("tokenizer.ggml.model"));
        Assert.Equal(1, md.GetInteger("tokenizer.ggml.bos_token_id"));
        Assert.Equal(1, md.GetInteger("general.file_type"));

        Assert.Equal(3 + (2 * 9), f.Tensors.Count); // token_embd, output_norm, output + 9 per layer
        var embd = f.GetTensor("token_embd.weight");
        Assert.Equal(new long[] { 256, 4096 }, embd.Dimensions);
        Assert.Equal(GgmlType.F16, embd.Type);
        Assert.Equal(new long[] { 256, 128 }, f.GetTensor("blk.1.attn_k.weight").Dimensions);
        Assert.Equal(new long[] { 768, 256 }, f.GetTensor("blk.1.ffn_down.weight").Dimensions);
        Assert.Equal(GgmlType.F32, f.GetTensor("blk.0.attn_norm.weight").Type);
        Assert.All(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(f.GetTensorBytes(f.GetTensor("blk.0.ffn_norm.weight"))).ToArray(), v => Assert.Equal(1f, v));

        // Weights: mean ≈ 0, standard deviation ≈ 0.02.
        var w = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(f.GetTensorBytes(f.GetTensor("blk.0.ffn_up.weight")));
        double sum = 0, sq = 0;
        foreach (var h in w)
        {
            sum += (double)h;
            sq += (double)h * (double)h;
        }

        double mean = sum / w.Length, std = Math.Sqrt((sq / w.Length) - (mean * mean));
        Assert.InRange(mean, -0.001, 0.001);
        Assert.InRange(std, 0.019, 0.021);
    }
}
