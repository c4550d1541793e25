using Hearth.Testing;

namespace Hearth.Gguf.Tests;

public class GgufFileTests
{
    public static TheoryData<string> SharedFiles() => SharedGgufFiles.Names();

    [Theory]
    [MemberData(nameof(SharedFiles))]
    public void Opens_every_shared_file_with_tensors_inside_it(string relative)
    {
        var path = SharedData.Path(relative);
        using var file = GgufFile.Open(path);

        Assert.Equal(path, file.Path);
        Assert.InRange(file.Version, 2u, 3u);
        Assert.Equal(new FileInfo(path).Length, file.FileSize);
        Assert.Equal(0, file.DataOffset % file.Alignment);
        Assert.False(string.IsNullOrEmpty(file.Metadata.GetString("general.architecture")));
        foreach (var t in file.Tensors)
        {
            Assert.Same(t, file.GetTensor(t.Name));
            Assert.Equal(GgmlTypeInfo.RowBytes(t.Type, t.ElementCount), t.ByteSize);
            Assert.InRange(file.DataOffset + t.Offset + t.ByteSize, 0, file.FileSize);
            Assert.Equal(t.ByteSize, file.GetTensorBytes(t).Length);
        }
    }

    [Fact]
    public void Qwen2_file_has_known_values()
    {
        using var file = GgufFile.Open(SharedData.ReferenceModel("qwen2-bpe-q4_k_m.gguf"));
        var m = file.Metadata;

        Assert.Equal("qwen2", m.GetString("general.architecture"));
        Assert.Equal("gpt2", m.GetString("tokenizer.ggml.model"));
        Assert.Equal(4096, m.GetStringArray("tokenizer.ggml.tokens").Length);
        Assert.Equal("<|endoftext|>", m.GetStringArray("tokenizer.ggml.tokens")[^1]);
        Assert.Equal(256, m.GetInteger("qwen2.embedding_length"));
        Assert.Equal(2, m.GetInteger("qwen2.block_count"));
        Assert.Equal(4, m.GetInteger("qwen2.attention.head_count"));
        Assert.Equal(2, m.GetInteger("qwen2.attention.head_count_kv"));
        Assert.Equal(1e6, m.GetFloat("qwen2.rope.freq_base"), 1e-3);

        var q = file.GetTensor("blk.0.attn_q.weight");
        Assert.Equal([256L, 256L], q.Dimensions);
        Assert.Equal(256, q.RowLength);
        Assert.Equal(256, q.RowCount);
        Assert.Contains(file.Tensors, t => t.Type == GgmlType.Q4_K);
        Assert.Contains(file.Tensors, t => t.Type == GgmlType.Q6_K);
        Assert.Contains(file.Tensors, t => t.Name == "blk.0.attn_q.bias" && t.Type == GgmlType.F32);
    }

    [Theory]
    [InlineData("llama-spm-f32.gguf", GgmlType.F32)]
    [InlineData("llama-spm-q4_0.gguf", GgmlType.Q4_0)]
    [InlineData("llama-spm-iq4_xs.gguf", GgmlType.IQ4_XS)]
    public void Llama_spm_files_have_4096_token_vocab_and_their_weight_type(string name, GgmlType type)
    {
        using var file = GgufFile.Open(SharedData.ReferenceModel(name));
        var m = file.Metadata;

        Assert.Equal("llama", m.GetString("general.architecture"));
        Assert.Equal("llama", m.GetString("tokenizer.ggml.model"));
        Assert.Equal(4096, m.GetStringArray("tokenizer.ggml.tokens").Length);
        Assert.Equal(4096, m.GetFloat32Array("tokenizer.ggml.scores").Length);
        Assert.Equal(4096, m.GetInt32Array("tokenizer.ggml.token_type").Length);
        Assert.Equal(type, file.GetTensor("blk.1.ffn_down.weight").Type);
        Assert.Equal([768L, 256L], file.GetTensor("blk.1.ffn_down.weight").Dimensions);
    }

    [Fact]
    public void Tiny_llama_has_full_llama2_vocab()
    {
        using var file = GgufFile.Open(SharedData.Model("llama-2-tiny-random.gguf"));
        Assert.Equal(32000, file.Metadata.GetStringArray("tokenizer.ggml.tokens").Length);
        Assert.Equal(1, file.Metadata.GetInteger("tokenizer.ggml.bos_token_id"));
    }

    [Fact]
    public void Missing_file_throws_FileNotFound()
    {
        var path = Path.Combine(Path.GetTempPath(), "hearth-no-such-file-" + Guid.NewGuid() + ".gguf");
        var ex = Assert.Throws<FileNotFoundException>(() => GgufFile.Open(path));
        Assert.Equal(path, ex.FileName);
    }

    [Fact]
    public void Missing_tensor_names_tensor_and_file()
    {
        var path = SharedData.ReferenceModel("llama-spm-q8_0.gguf");
        using var file = GgufFile.Open(path);
        Assert.Null(file.FindTensor("nope.weight"));
        var ex = Assert.Throws<GgufMissingTensorException>(() => file.GetTensor("nope.weight"));
        Assert.Equal("nope.weight", ex.TensorName);
        Assert.Equal(path, ex.Path);
    }

    [Fact]
    public void Metadata_type_errors_name_key_types_and_file()
    {
        var path = SharedData.ReferenceModel("llama-spm-q8_0.gguf");
        using var file = GgufFile.Open(path);

        var wrong = Assert.Throws<GgufMetadataException>(() => file.Metadata.GetInteger("general.architecture"));
        Assert.Equal("general.architecture", wrong.Key);
        Assert.Equal("integer", wrong.ExpectedType);
        Assert.Equal(GgufValueType.String, wrong.ActualType);
        Assert.Equal(path, wrong.Path);
        Assert.Contains("general.architecture", wrong.Message, StringComparison.Ordinal);
        Assert.Contains(path, wrong.Message, StringComparison.Ordinal);

        var missing = Assert.Throws<GgufMetadataException>(() => file.Metadata.GetString("no.such.key"));
        Assert.Null(missing.ActualType);
        Assert.Null(file.Metadata.TryGetInteger("no.such.key"));
        Assert.Equal("x", file.Metadata.GetStringOrDefault("no.such.key", "x"));
    }

    [Fact]
    public void Short_file_is_a_format_error_with_offset()
    {
        var path = Path.Combine(Path.GetTempPath(), "hearth-short-" + Guid.NewGuid() + ".gguf");
        File.WriteAllBytes(path, "GGUF"u8.ToArray());
        try
        {
            var ex = Assert.Throws<GgufFormatException>(() => GgufFile.Open(path));
            Assert.Equal(0, ex.Offset);
            Assert.Equal(path, ex.Path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
