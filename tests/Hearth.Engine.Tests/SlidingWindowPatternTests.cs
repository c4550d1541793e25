using Hearth.Engine.Architectures;
using Hearth.Gguf;
using Hearth.Testing;

namespace Hearth.Engine.Tests;

/// <summary>
/// Which layers slide: a period (all but the last layer of each period, llama_hparams::set_swa_pattern) or one flag
/// per layer, as attention.sliding_window_pattern may hold either; no window, no sliding layers.
/// </summary>
public sealed class SlidingWindowPatternTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hearth-swa-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_period_slides_all_but_the_last_layer_of_each_period()
    {
        Assert.Equal([true, true, true, true, true, false], HyperParameters.SlidingPattern(6, 6));
        Assert.Equal([true, false, true, false], HyperParameters.SlidingPattern(4, 2));
        Assert.Equal([true, true, true], HyperParameters.SlidingPattern(3, 0));
    }

    [Fact]
    public void Per_layer_flags_an_explicit_period_and_no_window_are_read_from_the_file()
    {
        var flags = Read(Copy("flags.gguf", "gemma3.attention.sliding_window_pattern", GgufValue.From(GgufArray.Create(new[] { false, true, false, true, false, true }))));
        Assert.Equal([false, true, false, true, false, true], flags.SlidingLayers!);
        Assert.Equal(8, flags.SlidingWindow);

        var period = Read(Copy("period.gguf", "gemma3.attention.sliding_window_pattern", GgufValue.From(3u)));
        Assert.Equal([true, true, false, true, true, false], period.SlidingLayers!);

        var none = Read(Copy("none.gguf", "gemma3.attention.sliding_window", GgufValue.From(0u)));
        Assert.Null(none.SlidingLayers);
        Assert.False(none.IsSliding(0));

        var wrong = Copy("wrong.gguf", "gemma3.attention.sliding_window_pattern", GgufValue.From(GgufArray.Create(new[] { true, false })));
        var ex = Assert.Throws<ModelHyperParameterException>(() => Read(wrong));
        Assert.Equal("gemma3.attention.sliding_window_pattern", ex.Key);
    }

    private static HyperParameters Read(string path)
    {
        using var file = GgufFile.Open(path);
        return new Gemma3Architecture().ReadHyperParameters(file.Metadata);
    }

    /// <summary>gemma3-spm-f32's metadata with one key set (no tensors: only the hyper-parameters are read).</summary>
    private string Copy(string name, string key, GgufValue value)
    {
        using var source = GgufFile.Open(SharedData.ReferenceModel("gemma3-spm-f32.gguf"));
        var writer = new GgufWriter();
        foreach (var (k, v) in source.Metadata)
        {
            writer.SetMetadata(k, v);
        }

        writer.SetMetadata(key, value);
        var path = Path.Combine(_dir, name);
        writer.WriteTo(path);
        return path;
    }
}
