using Hearth.Engine.Generation;
using Hearth.Engine.Sampling;
using Hearth.Testing;

namespace Hearth.Engine.Tests.Generation;

public sealed class SequenceTests : IDisposable
{
    private const string ModelFile = "llama-spm-f32.gguf";
    private readonly Model model = Model.Load(SharedData.ReferenceModel(ModelFile), new ModelOptions { Threads = 2, ContextLength = 256 });

    public void Dispose() => model.Dispose();

    private static GenerationOptions Greedy(int n, params string[] stop) =>
        new() { MaxTokens = n, Sampling = SamplerOptions.Greedy, Stop = stop, IgnoreEndOfGeneration = true };

    private static async Task<(List<int> Tokens, string Text)> Collect(Sequence sequence, IReadOnlyList<int> prompt, GenerationOptions options, CancellationToken ct = default)
    {
        var tokens = new List<int>();
        var text = new System.Text.StringBuilder();
        await foreach (var t in sequence.GenerateAsync(prompt, options, ct))
        {
            if (t.Token >= 0)
            {
                tokens.Add(t.Token);
            }

            text.Append(t.Text);
        }

        return (tokens, text.ToString());
    }

    [Fact]
    public async Task Greedy_generation_follows_the_reference_while_its_margin_is_clear()
    {
        var reference = ReferenceCase.Load(ModelFile)[0];
        var prompt = model.Tokenizer.Encode(reference.Prompt);
        Assert.Equal(reference.PromptTokens, prompt);

        var (tokens, _) = await Collect(new Sequence(model, model.CreateCache(1, 256), 0), prompt, Greedy(reference.Greedy.Length));
        var tol = ReferenceCase.Tolerance(ModelFile);
        var checkedTokens = 0;
        for (var j = 0; j < reference.Greedy.Length; j++)
        {
            var position = reference.Positions[prompt.Length - 1 + j];
            if (position.TopLogit(0) - position.TopLogit(1) <= 2 * tol)
            {
                break;
            }

            Assert.Equal(reference.Greedy[j], tokens[j]);
            checkedTokens++;
        }

        Assert.True(checkedTokens > 0, "the reference's first continuation token has a clear margin");
    }

    [Fact]
    public async Task A_prompt_extending_the_cached_tokens_reuses_them_and_matches_a_fresh_run()
    {
        var prompt = model.Tokenizer.Encode("Once upon a time, there was");
        var sequence = new Sequence(model, model.CreateCache(1, 256), 0);
        var (first, _) = await Collect(sequence, prompt, Greedy(4));
        int[] next = [.. prompt, .. first, .. model.Tokenizer.Encode(" and then", addSpecial: false)];

        var (continued, _) = await Collect(sequence, next, Greedy(6));
        Assert.Equal(prompt.Length + first.Count - 1, sequence.LastStats!.CachedPromptTokens);

        var (fresh, _) = await Collect(new Sequence(model, model.CreateCache(1, 256), 0), next, Greedy(6));
        Assert.Equal(fresh, continued);
    }

    [Fact]
    public async Task Max_tokens_ends_with_finish_reason_length()
    {
        var sequence = new Sequence(model, model.CreateCache(1, 256), 0);
        var (tokens, _) = await Collect(sequence, model.Tokenizer.Encode("Hello"), Greedy(5));
        Assert.Equal(5, tokens.Count);
        Assert.Equal(FinishReason.Length, sequence.LastStats!.FinishReason);
        Assert.Equal(5, sequence.LastStats.GeneratedTokens);
    }

    [Fact]
    public async Task A_stop_string_ends_generation_and_is_not_emitted()
    {
        var prompt = model.Tokenizer.Encode("The little girl");
        var (_, full) = await Collect(new Sequence(model, model.CreateCache(1, 256), 0), prompt, Greedy(12));
        Assert.True(full.Length > 6, $"generated text long enough to cut: '{full}'");
        var stop = full.Substring(full.Length / 2, 3);
        var expected = full[..full.IndexOf(stop, StringComparison.Ordinal)];

        var sequence = new Sequence(model, model.CreateCache(1, 256), 0);
        var (_, text) = await Collect(sequence, prompt, Greedy(12, stop));
        Assert.Equal(expected, text);
        Assert.Equal(FinishReason.Stop, sequence.LastStats!.FinishReason);
    }

    [Fact]
    public async Task A_prompt_that_does_not_fit_the_context_is_a_clear_error()
    {
        var sequence = new Sequence(model, model.CreateCache(1, 16), 0);
        var prompt = Enumerable.Repeat(100, 16).ToArray();
        var ex = await Assert.ThrowsAsync<ContextLengthExceededException>(() => Collect(sequence, prompt, Greedy(1)));
        Assert.Equal(16, ex.ContextLength);
    }

    [Fact]
    public async Task Cancellation_stops_generation()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var sequence = new Sequence(model, model.CreateCache(1, 256), 0);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Collect(sequence, model.Tokenizer.Encode("Hi"), Greedy(5), cts.Token));
    }
}
