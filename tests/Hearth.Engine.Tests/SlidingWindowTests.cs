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
    public void Truncating_or_copying_a_prefix_within_the_ring_or_beyond_it_continues_as_the_reference()
    {
        const string name = "gemma3-spm-f32.gguf";
        using var model = Model.Load(SharedData.ReferenceModel(name), new ModelOptions { Threads = 2, SlidingWindowPass = Pass });
        var c = ReferenceCase.Load(name).MaxBy(x => x.Tokens.Length)!;
        var n = c.Tokens.Length;
        Assert.True(n > 30);
        var cache = model.CreateCache(2, n);
        var all = new float[n * c.VocabSize];
        model.Forward(c.Tokens.Select((t, i) => new BatchToken(t, i, 0, true)).ToArray(), cache, all);

        // Back 2: the ring (11 rows) still holds the window. Back 20: it does not, and the prefix is recomputed.
        foreach (var back in new[] { 2, 20 })
        {
            var keep = n - back;
            cache.CopyPrefix(0, 1, keep);
            Assert.Equal(keep, cache.Truncate(0, keep));
            Assert.Equal(back < 4 ? keep : 0, cache.Intact(0));   // 0: to be recomputed from the remembered tokens
            Assert.Equal(back < 4 ? keep : 0, cache.Intact(1));
            foreach (var slot in new[] { 0, 1 })
            {
                Assert.Equal(keep, cache.Length(slot));
                var logits = new float[back * c.VocabSize];
                model.Forward(Enumerable.Range(keep, back).Select(p => new BatchToken(c.Tokens[p], p, slot, true)).ToArray(), cache, logits);
                for (var i = 0; i < back; i++)
                {
                    LogitComparison.AssertPosition(logits.AsSpan(i * c.VocabSize, c.VocabSize), c.Positions[keep + i], 0.02f, $"back {back}, slot {slot}, position {keep + i}");
                }

                Assert.Equal(n, cache.Length(slot));
            }
        }
    }
}
