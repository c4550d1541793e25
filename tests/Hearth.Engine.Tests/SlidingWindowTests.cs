using Hearth.Testing;

namespace Hearth.Engine.Tests;

/// <summary>
/// Sliding-window layers (gemma2, gemma3: window 8 in the reference models) keep a ring of window + pass rows per
/// sequence. With passes of 3 the ring is 11 rows, so the long prompts wrap it many times, in one batch split into
/// passes and token by token, and must still give the reference's logits.
/// </summary>
public sealed class SlidingWindowTests
{
    private const int Pass = 3;

    [Theory]
    [InlineData("gemma2-spm-f32.gguf")]
    [InlineData("gemma3-spm-f32.gguf")]
    [InlineData("gemma3-spm-q8_0.gguf")]
    public void A_ring_that_wraps_gives_the_reference_logits(string name)
    {
        using var model = Model.Load(SharedData.ReferenceModel(name), new ModelOptions { Threads = 2, SlidingWindowPass = Pass });
        var tol = ReferenceCase.Tolerance(name);
        foreach (var c in ReferenceCase.Load(name))
        {
            var cache = model.CreateCache(1, c.Tokens.Length);
            Assert.Equal(Pass, cache.PassLimit);
            var logits = new float[c.Tokens.Length * c.VocabSize];
            model.Forward(c.Tokens.Select((t, i) => new BatchToken(t, i, 0, true)).ToArray(), cache, logits);
            for (var i = 0; i < c.Tokens.Length; i++)
            {
                LogitComparison.AssertPosition(logits.AsSpan(i * c.VocabSize, c.VocabSize), c.Positions[i], tol, $"{name} '{c.Prompt}' position {i}");
            }
        }
    }

    [Fact]
    public void Sliding_layers_hold_the_window_not_the_context()
    {
        using var model = Model.Load(SharedData.ReferenceModel("gemma3-spm-f32.gguf"), new ModelOptions { Threads = 1 });
        using var dense = Model.Load(SharedData.ReferenceModel("qwen3-bpe-f32.gguf"), new ModelOptions { Threads = 1 });
        var cache = model.CreateCache(2, 2048);
        const long perRow = 2L * 2 * 64 * sizeof(ushort);   // keys and values, 2 KV heads of 64, F16
        Assert.Equal(2 * perRow * ((5 * (8 + 512)) + 2048), cache.SizeBytes);   // 5 local layers: window 8 + a pass of 512; 1 global
        Assert.Equal(2 * perRow * 2 * 2048, dense.CreateCache(2, 2048).SizeBytes);   // 2 full layers
        Assert.Equal(int.MaxValue, dense.CreateCache(1, 16).PassLimit);
        Assert.Equal(int.MaxValue, model.CreateCache(1, 16).PassLimit);   // a ring as long as the context never wraps
    }

    [Fact]
    public void Truncating_within_the_ring_keeps_the_prefix_and_beyond_it_keeps_nothing()
    {
        const string name = "gemma3-spm-f32.gguf";
        using var model = Model.Load(SharedData.ReferenceModel(name), new ModelOptions { Threads = 2, SlidingWindowPass = Pass });
        var c = ReferenceCase.Load(name).MaxBy(x => x.Tokens.Length)!;
        var n = c.Tokens.Length;
        Assert.True(n > 20);
        var cache = model.CreateCache(2, n);
        var all = new float[n * c.VocabSize];
        model.Forward(c.Tokens.Select((t, i) => new BatchToken(t, i, 0, true)).ToArray(), cache, all);

        // The ring (11 rows) still holds the 7 positions before n - 2: the last two tokens are recomputed exactly.
        Assert.Equal(n - 2, cache.CopyPrefix(0, 1, n - 2));
        Assert.Equal(n - 2, cache.Truncate(0, n - 2));
        foreach (var slot in new[] { 0, 1 })
        {
            var logits = new float[2 * c.VocabSize];
            model.Forward([new BatchToken(c.Tokens[n - 2], n - 2, slot, true), new BatchToken(c.Tokens[n - 1], n - 1, slot, true)], cache, logits);
            for (var i = 0; i < 2; i++)
            {
                LogitComparison.AssertPosition(logits.AsSpan(i * c.VocabSize, c.VocabSize), c.Positions[n - 2 + i], 0.02f, $"slot {slot} position {n - 2 + i}");
            }
        }

        // Going back 10 positions needs rows the ring has overwritten: nothing is kept, and nothing is claimed.
        Assert.Equal(0, cache.Truncate(0, n - 10));
        Assert.Equal(0, cache.Length(0));
        Assert.Equal(0, cache.CopyPrefix(1, 0, n - 10));
        Assert.Equal(0, cache.Length(0));
        Assert.Equal(n, cache.Length(1));
    }
}
