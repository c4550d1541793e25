using Hearth.Server.Inference;
using Hearth.Server.Observability;
using Hearth.Server.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hearth.Server.Tests.Inference;

public sealed class BatchSchedulerTests : IDisposable
{
    private readonly ScriptedModel model = new();
    private readonly ServerMetrics metrics = new(() => (0, 0, 0));

    public void Dispose() => metrics.Dispose();

    private BatchScheduler Create(int slots, int queue = 8, int maxBatch = 64, int context = 256, int prefillChunk = 64) =>
        new("scripted", model, new GreedySamplers(), new SchedulerOptions(slots, context, queue, maxBatch, prefillChunk), metrics,
            NullLogger<BatchScheduler>.Instance, TimeProvider.System);

    private static GenerationParameters Params(int? maxTokens, params string[] stop) =>
        new() { Sampling = new SamplingParameters { Temperature = 0 }, MaxTokens = maxTokens, Stop = stop };

    [Fact]
    public async Task Generates_the_greedy_continuation_and_reports_usage()
    {
        using var scheduler = Create(slots: 2);
        var job = new GenerationJob(model.Tokenize("abc", true), Params(5), CancellationToken.None);
        Assert.True(scheduler.TryEnqueue(job));
        var result = await InferenceService.CollectAsync(job, CancellationToken.None);
        Assert.Equal("defgh", result.Text);
        Assert.Equal(FinishReason.Length, result.Reason);
        Assert.Equal(4, result.Usage.PromptTokens);
        Assert.Equal(5, result.Usage.CompletionTokens);
    }

    [Fact]
    public async Task Stop_string_ends_generation_and_is_not_emitted()
    {
        using var scheduler = Create(slots: 1);
        var job = new GenerationJob(model.Tokenize("a", true), Params(50, "fg"), CancellationToken.None);
        scheduler.TryEnqueue(job);
        var result = await InferenceService.CollectAsync(job, CancellationToken.None);
        Assert.Equal("bcde", result.Text);
        Assert.Equal(FinishReason.Stop, result.Reason);
    }

    [Fact]
    public async Task End_of_generation_token_finishes_with_stop()
    {
        model.EosAfterZ = true;
        using var scheduler = Create(slots: 1);
        var job = new GenerationJob(model.Tokenize("w", true), Params(50), CancellationToken.None);
        scheduler.TryEnqueue(job);
        var result = await InferenceService.CollectAsync(job, CancellationToken.None);
        Assert.Equal("xyz", result.Text);
        Assert.Equal(FinishReason.Stop, result.Reason);
        Assert.Equal(4, result.Usage.CompletionTokens); // x, y, z and the end-of-generation token
    }

    [Fact]
    public async Task Concurrent_sequences_decode_in_one_forward_pass_per_step()
    {
        model.Gate = new SemaphoreSlim(0);
        using var scheduler = Create(slots: 4);
        var jobs = Enumerable.Range(0, 4).Select(i => new GenerationJob(model.Tokenize(new string((char)('a' + i), 3), true), Params(6), CancellationToken.None)).ToList();
        foreach (var job in jobs)
        {
            Assert.True(scheduler.TryEnqueue(job));
        }

        model.Gate.Release(1000);
        var results = await Task.WhenAll(jobs.Select(j => InferenceService.CollectAsync(j, CancellationToken.None)));
        Assert.Equal(["bcdefg", "cdefgh", "defghi", "efghij"], results.Select(r => r.Text));

        // Every decode step after the prefill held one token of each of the four sequences.
        var decodeSteps = model.Batches.Where(b => b.All(t => t.WantLogits)).ToList();
        Assert.Contains(decodeSteps, b => b.Select(t => t.Slot).Distinct().Count() == 4);
        Assert.True(model.Batches.Count <= 8, $"{model.Batches.Count} forward passes for 4 x 6 tokens; batching should need about 7");
    }

    [Fact]
    public async Task Second_request_with_a_shared_prefix_reuses_the_cached_tokens()
    {
        using var scheduler = Create(slots: 1);
        var first = new GenerationJob(model.Tokenize("hello world", true), Params(3), CancellationToken.None);
        scheduler.TryEnqueue(first);
        var r1 = await InferenceService.CollectAsync(first, CancellationToken.None);
        Assert.Equal(0, r1.Usage.CachedPromptTokens);

        // Multi-turn: the new prompt is the old prompt + the answer + more text.
        var second = new GenerationJob(model.Tokenize("hello world" + r1.Text + " again", true), Params(3), CancellationToken.None);
        var batchesBefore = model.Batches.Count;
        scheduler.TryEnqueue(second);
        var r2 = await InferenceService.CollectAsync(second, CancellationToken.None);
        Assert.Equal(12 + 2, r2.Usage.CachedPromptTokens); // BOS + "hello world" + the 2 generated tokens that were fed back
        var prefill = model.Batches.Skip(batchesBefore).First();
        Assert.Equal(r2.Usage.PromptTokens - r2.Usage.CachedPromptTokens, prefill.Length);
    }

    [Fact]
    public async Task Prompt_sharing_a_busy_slots_prefix_copies_it_into_its_own_slot()
    {
        model.Gate = new SemaphoreSlim(0);
        using var scheduler = Create(slots: 2);
        var system = "you are a helpful assistant. ";
        var first = new GenerationJob(model.Tokenize(system + "first", true), Params(40), CancellationToken.None);
        scheduler.TryEnqueue(first);
        model.Gate.Release(3);   // the first prompt is read and it is decoding
        for (var i = 0; i < 2; i++)
        {
            Assert.IsType<GeneratedToken>(await first.Events.ReadAsync());
        }

        var secondPrompt = model.Tokenize(system + "second", true);
        var second = new GenerationJob(secondPrompt, Params(2), CancellationToken.None);
        var batchesBefore = model.Batches.Count;
        scheduler.TryEnqueue(second);
        model.Gate.Release(1000);
        var r2 = await InferenceService.CollectAsync(second, CancellationToken.None);
        await InferenceService.CollectAsync(first, CancellationToken.None);

        var shared = model.Tokenize(system, true).Length;
        Assert.Equal(shared, r2.Usage.CachedPromptTokens);
        // The second prompt's tokens fed to the model are only those after the shared part.
        var fedToSecond = model.Batches.Skip(batchesBefore).SelectMany(b => b).Where(t => t.Slot == 1 && t.Position < secondPrompt.Length).ToList();
        Assert.Equal(secondPrompt.Length - shared, fedToSecond.Count);
        Assert.Equal(shared, fedToSecond.Min(t => t.Position));
    }

    [Fact]
    public async Task A_prompt_sharing_only_a_short_header_does_not_evict_another_conversation()
    {
        using var scheduler = Create(slots: 3);
        var a = model.Tokenize("the cat sat on the mat", true);
        var r1 = await Run(scheduler, a);
        Assert.Equal(0, r1.Usage.CachedPromptTokens);

        // Shares "the " with A: it takes an empty slot and copies those positions from A's slot.
        var r2 = await Run(scheduler, model.Tokenize("the dog ran", true));
        Assert.Equal(model.Tokenize("the ", true).Length, r2.Usage.CachedPromptTokens);

        // A again: its slot still holds it, so only the last prompt token is read.
        var r3 = await Run(scheduler, a);
        Assert.Equal(a.Length - 1, r3.Usage.CachedPromptTokens);

        static async Task<CompletionResult> Run(BatchScheduler scheduler, int[] prompt)
        {
            var job = new GenerationJob(prompt, Params(2), CancellationToken.None);
            Assert.True(scheduler.TryEnqueue(job));
            return await InferenceService.CollectAsync(job, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_new_prompt_is_read_in_small_chunks_while_others_generate()
    {
        model.Gate = new SemaphoreSlim(0);
        using var scheduler = Create(slots: 2, maxBatch: 64, prefillChunk: 4);
        var first = new GenerationJob(model.Tokenize("a", true), Params(30), CancellationToken.None);
        scheduler.TryEnqueue(first);
        model.Gate.Release(2);
        Assert.IsType<GeneratedToken>(await first.Events.ReadAsync());

        var longPrompt = model.Tokenize("abcdefghijklmnopqrst", true);
        var second = new GenerationJob(longPrompt, Params(2), CancellationToken.None);
        scheduler.TryEnqueue(second);
        model.Gate.Release(1000);
        var r2 = await InferenceService.CollectAsync(second, CancellationToken.None);
        await InferenceService.CollectAsync(first, CancellationToken.None);
        Assert.Equal(2, r2.Usage.CompletionTokens);

        // Every step that read part of the second prompt also carried the first sequence's next token, and at most
        // 4 prompt tokens: the first sequence never waited for the whole prompt.
        var prefillSteps = model.Batches.Where(b => b.Any(t => t.Slot == 1 && t.Position < longPrompt.Length)).ToList();
        Assert.True(prefillSteps.Count >= longPrompt.Length / 4, $"{prefillSteps.Count} prefill steps");
        Assert.All(prefillSteps, b =>
        {
            Assert.InRange(b.Count(t => t.Slot == 1), 1, 4);
            Assert.Contains(b, t => t.Slot == 0);
        });
    }

    [Fact]
    public async Task Identical_prompt_rereads_only_its_last_token()
    {
        using var scheduler = Create(slots: 1);
        var prompt = model.Tokenize("same prompt", true);
        var first = new GenerationJob(prompt, Params(2), CancellationToken.None);
        scheduler.TryEnqueue(first);
        var r1 = await InferenceService.CollectAsync(first, CancellationToken.None);
        var second = new GenerationJob(prompt, Params(2), CancellationToken.None);
        scheduler.TryEnqueue(second);
        var r2 = await InferenceService.CollectAsync(second, CancellationToken.None);
        Assert.Equal(r1.Text, r2.Text);
        Assert.Equal(prompt.Length - 1, r2.Usage.CachedPromptTokens);
    }

    [Fact]
    public async Task Cancelled_request_frees_its_slot_within_one_step()
    {
        model.Gate = new SemaphoreSlim(0);
        using var scheduler = Create(slots: 1);
        using var cts = new CancellationTokenSource();
        var running = new GenerationJob(model.Tokenize("a", true), Params(200), cts.Token);
        var waiting = new GenerationJob(model.Tokenize("b", true), Params(2), CancellationToken.None);
        scheduler.TryEnqueue(running);
        scheduler.TryEnqueue(waiting);
        model.Gate.Release(3);
        for (var i = 0; i < 3; i++)
        {
            Assert.IsType<GeneratedToken>(await running.Events.ReadAsync());
        }

        await cts.CancelAsync();
        model.Gate.Release(1000);
        var tokensAfterCancel = 0;
        GenerationEvent last;
        while ((last = await running.Events.ReadAsync()) is GeneratedToken)
        {
            tokensAfterCancel++;
        }

        // Only the step already under way when the client left may still produce a token.
        Assert.InRange(tokensAfterCancel, 0, 1);
        Assert.Equal(FinishReason.Cancelled, Assert.IsType<GenerationCompleted>(last).Reason);
        var result = await InferenceService.CollectAsync(waiting, CancellationToken.None);
        Assert.Equal("cd", result.Text);
    }

    [Fact]
    public void Full_queue_refuses_instead_of_growing()
    {
        model.Gate = new SemaphoreSlim(0);
        using var scheduler = Create(slots: 1, queue: 2);
        var accepted = 0;
        for (var i = 0; i < 6; i++)
        {
            accepted += scheduler.TryEnqueue(new GenerationJob(model.Tokenize("a", true), Params(100), CancellationToken.None)) ? 1 : 0;
        }

        // One running (or about to be admitted) plus two waiting; the first may still sit in the queue.
        Assert.InRange(accepted, 2, 3);
        model.Gate.Release(10000);
    }

    [Fact]
    public async Task Long_prompt_is_prefilled_in_chunks_while_another_sequence_keeps_decoding()
    {
        using var scheduler = Create(slots: 2, maxBatch: 8);
        model.Gate = new SemaphoreSlim(0);
        var talker = new GenerationJob(model.Tokenize("a", true), Params(30), CancellationToken.None);
        scheduler.TryEnqueue(talker);
        model.Gate.Release(2);
        await talker.Events.ReadAsync();
        var reader = new GenerationJob(model.Tokenize(new string('q', 40), true), Params(1), CancellationToken.None);
        scheduler.TryEnqueue(reader);
        model.Gate.Release(10000);
        await InferenceService.CollectAsync(reader, CancellationToken.None);
        await InferenceService.CollectAsync(talker, CancellationToken.None);
        Assert.All(model.Batches, b => Assert.True(b.Length <= 8));
        var mixed = model.Batches.Where(b => b.Any(t => t.Slot == 0) && b.Any(t => t.Slot == 1)).ToList();
        Assert.True(mixed.Count >= 5, "the 41-token prompt should share several steps with the decoding sequence");
    }

    [Fact]
    public async Task Sequence_that_fills_its_context_finishes_with_length()
    {
        using var scheduler = Create(slots: 1, context: 10);
        var job = new GenerationJob(model.Tokenize("abcd", true), Params(null), CancellationToken.None);
        scheduler.TryEnqueue(job);
        var result = await InferenceService.CollectAsync(job, CancellationToken.None);
        Assert.Equal(FinishReason.Length, result.Reason);
        Assert.Equal(10 - 5, result.Usage.CompletionTokens);
    }

    [Fact]
    public async Task Embeddings_run_on_the_scheduler_thread()
    {
        using var scheduler = Create(slots: 1);
        var v = await scheduler.EmbedAsync(model.Tokenize("abc", true), CancellationToken.None);
        Assert.Equal(1.0, Math.Sqrt(v.Sum(x => (double)x * x)), 5);
    }
}
