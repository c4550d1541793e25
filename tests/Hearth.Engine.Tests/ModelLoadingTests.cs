using Hearth.Gguf;
using Hearth.Testing;

namespace Hearth.Engine.Tests;

public sealed class ModelLoadingTests
{
    [Fact]
    public void Reads_the_shape_of_the_llama_reference_model()
    {
        using var model = Model.Load(SharedData.ReferenceModel("llama-spm-q4_0.gguf"), new ModelOptions { Threads = 1 });
        var info = model.Info;
        Assert.Equal("llama", info.Architecture);
        Assert.Equal((256, 2, 4, 2, 64, 768, 4096, 2048), (info.EmbeddingLength, info.LayerCount, info.HeadCount, info.KvHeadCount, info.HeadDimension, info.FeedForwardLength, info.VocabSize, info.TrainedContextLength));
        Assert.Equal("q4_0", info.WeightType);
        Assert.Equal(new FileInfo(SharedData.ReferenceModel("llama-spm-q4_0.gguf")).Length, info.FileSize);
        Assert.True(info.ParameterCount > 3_000_000);
    }

    [Fact]
    public void Context_length_is_capped_by_the_options_and_the_file()
    {
        using var small = Model.Load(SharedData.ReferenceModel("qwen2-bpe-q8_0.gguf"), new ModelOptions { Threads = 1, ContextLength = 100 });
        Assert.Equal(100, small.Info.ContextLength);
        using var large = Model.Load(SharedData.ReferenceModel("qwen2-bpe-q8_0.gguf"), new ModelOptions { Threads = 1, ContextLength = 1 << 20 });
        Assert.Equal(2048, large.Info.ContextLength);
        Assert.Throws<ContextLengthExceededException>(() => small.CreateCache(1, 101));
    }

    [Fact]
    public void Unsupported_architecture_names_itself_and_the_supported_ones()
    {
        var ex = Assert.Throws<UnsupportedArchitectureException>(() => Model.Load(SharedData.Path("tokenizer", "ggml-vocab-bert-bge.gguf")));
        Assert.Equal("bert", ex.Architecture);
        Assert.Contains("llama", ex.Message, StringComparison.Ordinal);
        Assert.Contains("supported architectures: llama, qwen2, qwen3, qwen3moe, gemma2, gemma3, phi3.", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<NotSupportedException>(ex);
    }

    [Fact]
    public void Vocabulary_only_file_reports_the_missing_hyper_parameter()
    {
        var ex = Assert.Throws<ModelHyperParameterException>(() => Model.Load(SharedData.ReferenceModel("vocab-spm-4096.gguf")));
        Assert.Equal("llama.embedding_length", ex.Key);
    }

    [Fact]
    public void Missing_tensor_names_the_tensor_and_the_file()
    {
        var path = SharedData.ReferenceModel("vocab-spm-4096.gguf");
        using var file = GgufFile.Open(path);
        var ex = Assert.Throws<GgufMissingTensorException>(() => new Weights.TensorLoader(file).Matrix("token_embd.weight", 256, 4096));
        Assert.Equal("token_embd.weight", ex.TensorName);
        Assert.Contains("vocab-spm-4096.gguf", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_tensor_shape_names_the_tensor_and_both_shapes()
    {
        using var file = GgufFile.Open(SharedData.ReferenceModel("llama-spm-f32.gguf"));
        var ex = Assert.Throws<TensorShapeException>(() => new Weights.TensorLoader(file).Matrix("blk.0.attn_q.weight", 256, 128));
        Assert.Equal("blk.0.attn_q.weight", ex.TensorName);
        Assert.Contains("[256, 256]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_a_file_not_found()
    {
        Assert.ThrowsAny<FileNotFoundException>(() => Model.Load(Path.Combine(Path.GetTempPath(), "no-such-model.gguf")));
    }

    [Fact]
    public void Positions_past_the_context_are_a_typed_error()
    {
        using var model = Model.Load(SharedData.ReferenceModel("llama-spm-q4_0.gguf"), new ModelOptions { Threads = 1 });
        var cache = model.CreateCache(1, 4);
        var logits = new float[model.Info.VocabSize * 5];
        var batch = Enumerable.Range(0, 5).Select(i => new BatchToken(1, i, 0, false)).ToArray();
        var ex = Assert.Throws<ContextLengthExceededException>(() => model.Forward(batch, cache, logits));
        Assert.Equal(5, ex.RequiredLength);
        Assert.Equal(4, ex.ContextLength);
        Assert.Equal(0, cache.Length(0));
    }

    [Fact]
    public void Bad_batches_are_rejected_before_running()
    {
        using var model = Model.Load(SharedData.ReferenceModel("llama-spm-q4_0.gguf"), new ModelOptions { Threads = 1 });
        var cache = model.CreateCache(2, 8);
        var logits = new float[model.Info.VocabSize];
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward([new BatchToken(4096, 0, 0, true)], cache, logits));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward([new BatchToken(1, 0, 2, true)], cache, logits));
        Assert.Throws<ArgumentException>(() => model.Forward([new BatchToken(1, 1, 0, true)], cache, logits));      // gap
        Assert.Throws<ArgumentException>(() => model.Forward([new BatchToken(1, 0, 0, true), new BatchToken(2, 1, 0, true)], cache, logits)); // 2 rows, room for 1
        Assert.Throws<ArgumentException>(() => model.Forward([], cache, logits));
        using var other = Model.Load(SharedData.ReferenceModel("llama-spm-q4_0.gguf"), new ModelOptions { Threads = 1 });
        Assert.Throws<ArgumentException>(() => model.Forward([new BatchToken(1, 0, 0, true)], other.CreateCache(1, 8), logits));
    }

    [Fact]
    public void Embeddings_are_unit_length_and_depend_on_the_text()
    {
        using var model = Model.Load(SharedData.ReferenceModel("llama-spm-q8_0.gguf"), new ModelOptions { Threads = 2 });
        var a = model.Embed([1, 450, 496, 1735]);
        var b = model.Embed([1, 931, 47]);
        Assert.Equal(256, a.Length);
        Assert.Equal(1.0, Math.Sqrt(a.Sum(x => (double)x * x)), 4);
        Assert.NotEqual(a, b);
        Assert.Equal(a, model.Embed([1, 450, 496, 1735]));
    }

    [Fact]
    public void Forward_after_dispose_throws()
    {
        var model = Model.Load(SharedData.ReferenceModel("llama-spm-q4_0.gguf"), new ModelOptions { Threads = 2 });
        var cache = model.CreateCache(1, 4);
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Forward([new BatchToken(1, 0, 0, true)], cache, new float[4096]));
    }
}
