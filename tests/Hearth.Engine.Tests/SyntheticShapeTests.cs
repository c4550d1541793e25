using Hearth.Gguf;
using Hearth.Numerics.Quantization;
using Hearth.Numerics.Synthesis;
using Hearth.Testing;

namespace Hearth.Engine.Tests;

/// <summary>`hearth synth`'s qwen3moe and gemma3 shapes, made small, write files the engine loads and runs.</summary>
public sealed class SyntheticShapeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hearth-synth-shapes-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Shapes() => ["qwen3moe-2b", "gemma3-1b"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_small_copy_of_the_shape_loads_and_generates(string name)
    {
        var shape = ModelShape.Get(name) with { Name = "small", EmbeddingLength = 256, LayerCount = 6, FeedForwardLength = 512, ContextLength = 256 };
        shape = shape.Architecture == "qwen3moe" ? shape with { ExpertCount = 16, ExpertFeedForwardLength = 64 } : shape with { SlidingWindow = 8 };
        var path = Path.Combine(_dir, name + ".gguf");
        using (var vocab = GgufFile.Open(SharedData.ReferenceModel("vocab-bpe-4096.gguf")))
        {
            SyntheticModel.Write(path, shape, QuantizationTarget.Parse("Q8_0"), vocab.Metadata, seed: 3, threads: 2);
        }

        using var model = Model.Load(path, new ModelOptions { Threads = 2, SlidingWindowPass = 4 });
        Assert.Equal(shape.Architecture, model.Info.Architecture);
        var cache = model.CreateCache(1, 40);
        var logits = new float[model.Info.VocabSize];
        var prompt = model.Tokenizer.Encode("Hello there, synthetic model", addSpecial: true);
        model.Forward(prompt.Select((t, i) => new BatchToken(t, i, 0, i == prompt.Length - 1)).ToArray(), cache, logits);
        for (var position = prompt.Length; position < 30; position++)
        {
            model.Forward([new BatchToken(LogitComparison.ArgMax(logits), position, 0, true)], cache, logits);   // throws on NaN
        }

        Assert.Equal(30, cache.Length(0));
    }
}
