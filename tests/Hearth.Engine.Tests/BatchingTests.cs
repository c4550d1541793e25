using Hearth.Testing;

namespace Hearth.Engine.Tests;

/// <summary>The batch layout must not change the numbers: batched = one token at a time; mixed slots = each alone.</summary>
public sealed class BatchingTests
{
    private static readonly int[] PromptA = [1, 1551, 346, 2501, 263, 931, 47, 727, 471, 263, 2217];
    private static readonly int[] PromptB = [1, 450, 496, 1735, 170, 2991];

    [Theory]
    [InlineData("llama-spm-f32.gguf", 1)]
    [InlineData("llama-spm-q8_0.gguf", 2)]
    [InlineData("qwen2-bpe-q4_0.gguf", 2)]
    public void Batched_prompt_equals_token_by_token(string name, int threads)
    {
        using var model = Model.Load(SharedData.ReferenceModel(name), new ModelOptions { Threads = threads });
        var vocab = model.Info.VocabSize;
        var batched = new float[PromptA.Length * vocab];
        model.Forward(Batch(PromptA, slot: 0, start: 0), model.CreateCache(1, 32), batched);

        var cache = model.CreateCache(1, 32);
        var single = new float[vocab];
        for (var i = 0; i < PromptA.Length; i++)
        {
            model.Forward([new BatchToken(PromptA[i], i, 0, true)], cache, single);
            AssertClose(batched.AsSpan(i * vocab, vocab), single, ReferenceCase.IsFloat(name), $"position {i}");
        }

        Assert.Equal(PromptA.Length, cache.Length(0));
    }

    [Fact]
    public void Two_prompts_one_after_the_other_in_one_batch_equal_each_alone()
    {
        // Attention takes runs of up to eight consecutive positions of one slot as one block (AttentionJob): here B's
        // six tokens follow A's eleven (blocks of 8 and 3 for A, then 6 for B), and B's slot already holds a prefix.
        const string name = "llama-spm-q8_0.gguf";
        using var model = Model.Load(SharedData.ReferenceModel(name), new ModelOptions { Threads = 2 });
        var vocab = model.Info.VocabSize;
        var aloneA = new float[PromptA.Length * vocab];
        var aloneB = new float[(PromptA.Length + PromptB.Length) * vocab];
        model.Forward(Batch(PromptA, 0, 0), model.CreateCache(1, 32), aloneA);
        var prefixed = model.CreateCache(1, 32);
        model.Forward(Batch([.. PromptA, .. PromptB], 0, 0), prefixed, aloneB);

        var cache = model.CreateCache(2, 32);
        model.Forward(Batch(PromptA, 1, 0), cache, new float[PromptA.Length * vocab]);
        var both = Batch(PromptA, 0, 0).Concat(Batch(PromptB, 1, PromptA.Length)).ToArray();
        var logits = new float[both.Length * vocab];
        model.Forward(both, cache, logits);
        for (var row = 0; row < both.Length; row++)
        {
            var t = both[row];
            var alone = t.Slot == 0 ? aloneA : aloneB;
            AssertClose(logits.AsSpan(row * vocab, vocab), alone.AsSpan(t.Position * vocab, vocab), ReferenceCase.IsFloat(name), $"slot {t.Slot} position {t.Position}");
        }
    }

    [Theory]
    [InlineData("llama-spm-f32.gguf")]
    [InlineData("llama-spm-q4_0.gguf")]
    public void Two_sequences_in_one_batch_equal_each_alone(string name)
    {
        using var model = Model.Load(SharedData.ReferenceModel(name), new ModelOptions { Threads = 2 });
        var vocab = model.Info.VocabSize;
        var aloneA = new float[PromptA.Length * vocab];
        var aloneB = new float[PromptB.Length * vocab];
        model.Forward(Batch(PromptA, 0, 0), model.CreateCache(1, 32), aloneA);
        model.Forward(Batch(PromptB, 0, 0), model.CreateCache(1, 32), aloneB);

        // Interleave the two sequences in one batch, B in slot 1 and A in slot 0.
        var cache = model.CreateCache(2, 32);
        var a = Batch(PromptA, 0, 0);
        var b = Batch(PromptB, 1, 0);
        var mixed = new List<BatchToken>();
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            if (i < b.Length)
            {
                mixed.Add(b[i]);
            }

            if (i < a.Length)
            {
                mixed.Add(a[i]);
            }
        }

        var logits = new float[mixed.Count * vocab];
        model.Forward(mixed.ToArray(), cache, logits);
        for (var row = 0; row < mixed.Count; row++)
        {
            var t = mixed[row];
            var alone = t.Slot == 0 ? aloneA : aloneB;
            AssertClose(logits.AsSpan(row * vocab, vocab), alone.AsSpan(t.Position * vocab, vocab), ReferenceCase.IsFloat(name), $"slot {t.Slot} position {t.Position}");
        }

        Assert.Equal(PromptA.Length, cache.Length(0));
        Assert.Equal(PromptB.Length, cache.Length(1));
    }

    [Fact]
    public void Continuing_after_truncate_equals_a_fresh_run()
    {
        using var model = Model.Load(SharedData.ReferenceModel("llama-spm-f32.gguf"), new ModelOptions { Threads = 2 });
        var vocab = model.Info.VocabSize;
        var fresh = new float[PromptB.Length * vocab];
        model.Forward(Batch(PromptB, 0, 0), model.CreateCache(1, 32), fresh);

        // Same first 3 tokens, different tail, then truncate back to the common prefix and feed B's tail.
        var cache = model.CreateCache(1, 32);
        var scratch = new float[PromptA.Length * vocab];
        model.Forward(Batch([.. PromptB[..3], .. PromptA[3..]], 0, 0), cache, scratch);
        cache.Truncate(0, 3);
        Assert.Equal(3, cache.Length(0));
        var tail = new float[(PromptB.Length - 3) * vocab];
        model.Forward(Batch(PromptB[3..], 0, 3), cache, tail);
        for (var i = 3; i < PromptB.Length; i++)
        {
            AssertClose(tail.AsSpan((i - 3) * vocab, vocab), fresh.AsSpan(i * vocab, vocab), exact: true, $"position {i}");
        }
    }

    [Fact]
    public void Copied_prefix_continues_exactly_like_the_source_slot()
    {
        using var model = Model.Load(SharedData.ReferenceModel("llama-spm-q8_0.gguf"), new ModelOptions { Threads = 2 });
        var vocab = model.Info.VocabSize;
        var cache = model.CreateCache(3, 32);
        model.Forward(Batch(PromptA, slot: 0, start: 0), cache, new float[PromptA.Length * vocab]);

        // Slot 2 takes the first 6 positions of slot 0, then both read the same next token at position 6.
        cache.CopyPrefix(source: 0, destination: 2, length: 6);
        Assert.Equal(6, cache.Length(2));
        var fromCopy = new float[vocab];
        model.Forward([new BatchToken(PromptA[6], 6, 2, true)], cache, fromCopy);
        var next = new float[vocab];
        model.Forward([new BatchToken(PromptA[7], 7, 2, true)], cache, next);

        // The same tokens read into a fresh cache the same way (the first 8 positions share one tile either way).
        var fresh = model.CreateCache(1, 32);
        model.Forward(Batch(PromptA[..6], slot: 0, start: 0), fresh, new float[6 * vocab]);
        var reference6 = new float[vocab];
        var reference7 = new float[vocab];
        model.Forward([new BatchToken(PromptA[6], 6, 0, true)], fresh, reference6);
        model.Forward([new BatchToken(PromptA[7], 7, 0, true)], fresh, reference7);
        AssertClose(fromCopy, reference6, exact: true, "first token after the copied prefix");
        AssertClose(next, reference7, exact: true, "second token after the copied prefix");
        Assert.Equal(PromptA.Length, cache.Length(0));   // the source is untouched

        Assert.Throws<ArgumentOutOfRangeException>(() => cache.CopyPrefix(1, 2, 1));   // slot 1 holds nothing
    }

    [Theory]
    [InlineData("llama-spm-q4_0.gguf")]
    [InlineData("qwen2-bpe-q4_0.gguf")]
    [InlineData("llama-spm-q4_k_m.gguf")]
    [InlineData("llama-spm-q8_0.gguf")]
    public void Decode_steps_of_two_to_four_sequences_equal_each_alone(string name)
    {
        // Batched generation: one token per sequence, each at its own position, through the small-batch tiles
        // (two, three and four activations each have a loop of their own for Q4_0).
        using var model = Model.Load(SharedData.ReferenceModel(name), new ModelOptions { Threads = 2 });
        var vocab = model.Info.VocabSize;
        int[][] prompts = [PromptA, PromptB, PromptA[..7], PromptB[..4]];
        foreach (var width in new[] { 2, 3, 4 })
        {
            var cache = model.CreateCache(4, 32);
            for (var s = 0; s < width; s++)
            {
                model.Forward(Batch(prompts[s], s, 0), cache, new float[prompts[s].Length * vocab]);
            }

            var step = Enumerable.Range(0, width).Select(s => new BatchToken(100 + s, prompts[s].Length, s, true)).ToArray();
            var batched = new float[width * vocab];
            model.Forward(step, cache, batched);
            for (var s = 0; s < width; s++)
            {
                var alone = model.CreateCache(1, 32);
                model.Forward(Batch(prompts[s], 0, 0), alone, new float[prompts[s].Length * vocab]);
                var single = new float[vocab];
                model.Forward([new BatchToken(100 + s, prompts[s].Length, 0, true)], alone, single);
                AssertClose(batched.AsSpan(s * vocab, vocab), single, ReferenceCase.IsFloat(name), $"{width} sequences, sequence {s}");
            }
        }
    }

    private static BatchToken[] Batch(int[] tokens, int slot, int start) =>
        tokens.Select((t, i) => new BatchToken(t, start + i, slot, true)).ToArray();

    /// <summary>
    /// Float weights: the same arithmetic per row, so (nearly) identical. Quantized weights: the tiled
    /// multi-token kernel sums in another order (1 ulp), and an ulp that flips one activation's 8-bit
    /// rounding is amplified by these random models (measured: up to 0.1), so the reference tolerance applies.
    /// </summary>
    private static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, bool exact, string where)
    {
        var tol = exact ? 1e-4f : 0.25f;
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tol, $"{where}, id {i}: {actual[i]} vs {expected[i]}");
        }
    }
}
