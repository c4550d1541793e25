using System.Runtime.InteropServices;
using System.Threading.Channels;
using Hearth.Server.Observability;
using Microsoft.Extensions.Logging;

namespace Hearth.Server.Inference;

/// <summary>Slots, queue and batch limits of one model's scheduler.</summary>
/// <param name="Slots">Sequences decoded together (--parallel).</param>
/// <param name="ContextPerSlot">Tokens one sequence may hold (prompt + generated).</param>
/// <param name="QueueCapacity">Requests that may wait for a slot; beyond it the server answers 503.</param>
/// <param name="MaxBatchTokens">Tokens per forward pass; long prompts are prefilled in chunks of this size
/// so decoding sequences keep producing a token every step while a new prompt is read.</param>
/// <param name="PrefillChunk">Prompt tokens per step while any sequence is decoding: a 512-token chunk held every
/// decoding sequence for ~7 s on 2 cores (inter-token p99 of 2 s at 16 clients); the full
/// <paramref name="MaxBatchTokens"/> applies when nothing is decoding.</param>
internal sealed record SchedulerOptions(int Slots, int ContextPerSlot, int QueueCapacity, int MaxBatchTokens, int PrefillChunk);

/// <summary>
/// Continuous batching for one loaded model. A dedicated thread runs steps; every step is ONE
/// batched forward pass holding the next token of every decoding sequence plus a chunk of any
/// prompt being prefilled. Requests join between steps through a bounded channel; a request whose
/// client disconnected is dropped at the next step and its slot freed. Slots keep their tokens after
/// a request ends, so a later prompt sharing a prefix (multi-turn chat) reuses that KV instead of
/// re-reading it; a prompt that starts like another slot's tokens (a shared system prompt) gets
/// those positions copied into its own slot.
/// </summary>
internal sealed partial class BatchScheduler : IDisposable
{
    private readonly IInferenceModel model;
    private readonly ITokenSamplerFactory samplers;
    private readonly SchedulerOptions options;
    private readonly ServerMetrics metrics;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly Channel<GenerationJob> queue;
    private readonly ManualResetEventSlim wake = new(false);
    private readonly Channel<EmbedWork> embeds = Channel.CreateUnbounded<EmbedWork>();
    private readonly IInferenceCache cache;
    private readonly List<int>[] slotTokens;
    private readonly long[] slotLastUsed;
    private readonly Sequence?[] slotOwner;
    private readonly float[] logits;
    private readonly Thread thread;
    private volatile bool stopping;
    private int activeCount;
    private long useCounter;

    public BatchScheduler(
        string modelName,
        IInferenceModel model,
        ITokenSamplerFactory samplers,
        SchedulerOptions options,
        ServerMetrics metrics,
        ILogger logger,
        TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Slots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ContextPerSlot, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.QueueCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchTokens, options.Slots);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PrefillChunk, 1);
        ModelName = modelName;
        this.model = model;
        this.samplers = samplers;
        this.options = options;
        this.metrics = metrics;
        this.logger = logger;
        this.time = time;
        queue = Channel.CreateBounded<GenerationJob>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        cache = model.CreateCache(options.Slots, options.ContextPerSlot);
        slotTokens = new List<int>[options.Slots];
        for (var i = 0; i < slotTokens.Length; i++)
        {
            slotTokens[i] = [];
        }

        slotLastUsed = new long[options.Slots];
        slotOwner = new Sequence?[options.Slots];
        logits = new float[options.Slots * model.VocabSize];
        thread = new Thread(Run) { IsBackground = true, Name = "hearth-scheduler " + modelName };
        thread.Start();
    }

    public string ModelName { get; }

    public int ContextPerSlot => options.ContextPerSlot;

    public int Slots => options.Slots;

    /// <summary>Requests waiting for a slot.</summary>
    public int QueueDepth => queue.Reader.Count;

    /// <summary>Sequences holding a slot right now.</summary>
    public int ActiveCount => Volatile.Read(ref activeCount);

    /// <summary>A sampler for one sequence; throws ArgumentException for settings the sampler refuses.</summary>
    public ITokenSampler CreateSampler(SamplingParameters parameters) => samplers.Create(parameters);

    /// <summary>Queues a request; false when the queue is full (the caller answers 503).</summary>
    public bool TryEnqueue(GenerationJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        ObjectDisposedException.ThrowIf(stopping, this);
        job.EnqueuedTimestamp = time.GetTimestamp();
        if (!queue.Writer.TryWrite(job))
        {
            return false;
        }

        wake.Set();
        return true;
    }

    /// <summary>Runs an embedding on the scheduler thread between two steps (the model is not re-entrant).</summary>
    public Task<float[]> EmbedAsync(int[] tokens, CancellationToken cancellation)
    {
        ObjectDisposedException.ThrowIf(stopping, this);
        var work = new EmbedWork(tokens, cancellation);
        embeds.Writer.TryWrite(work);
        wake.Set();
        return work.Result.Task;
    }

    public void Dispose()
    {
        if (stopping)
        {
            return;
        }

        stopping = true;
        wake.Set();
        thread.Join();
        var unloaded = new ObjectDisposedException(ModelName, "The model was unloaded.");
        while (queue.Reader.TryRead(out var job))
        {
            job.Complete(new GenerationFailed(unloaded));
        }

        while (embeds.Reader.TryRead(out var work))
        {
            work.Result.TrySetException(unloaded);
        }

        wake.Dispose();
    }

    private void Run()
    {
        var active = new List<Sequence>(options.Slots);
        while (!stopping)
        {
            try
            {
                wake.Reset();
                RunEmbeddings();
                Admit(active);
                if (active.Count == 0)
                {
                    if (queue.Reader.Count == 0 && embeds.Reader.Count == 0 && !stopping)
                    {
                        wake.Wait();
                    }

                    continue;
                }

                Step(active);
            }
#pragma warning disable CA1031 // the loop must survive anything: fail the sequences in flight, keep serving
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogLoopFailed(logger, ex, ModelName);
                foreach (var seq in active.ToArray())
                {
                    slotTokens[seq.Slot].Clear();
                    cache.Truncate(seq.Slot, 0);
                    Release(active, seq);
                    seq.Job.Complete(new GenerationFailed(ex));
                }
            }
        }

        foreach (var seq in active)
        {
            seq.Job.Complete(new GenerationFailed(new ObjectDisposedException(ModelName, "The model was unloaded.")));
        }
    }

    private void RunEmbeddings()
    {
        while (embeds.Reader.TryRead(out var work))
        {
            if (work.Cancellation.IsCancellationRequested)
            {
                work.Result.TrySetCanceled(work.Cancellation);
                continue;
            }

            try
            {
                work.Result.TrySetResult(model.Embed(work.Tokens));
            }
#pragma warning disable CA1031 // the error goes to the request that caused it; the loop serves everyone else
            catch (Exception ex)
#pragma warning restore CA1031
            {
                work.Result.TrySetException(ex);
            }
        }
    }

    private void Admit(List<Sequence> active)
    {
        while (active.Count < options.Slots && queue.Reader.TryRead(out var job))
        {
            if (job.Cancellation.IsCancellationRequested)
            {
                job.Complete(new GenerationCompleted(FinishReason.Cancelled, EmptyUsage(job)));
                continue;
            }

            if (job.Prompt.Length == 0 || job.Prompt.Length >= options.ContextPerSlot)
            {
                job.Complete(new GenerationFailed(new ArgumentException(
                    $"The prompt has {job.Prompt.Length} tokens; this server's context holds {options.ContextPerSlot} per sequence.")));
                continue;
            }

            var (slot, common) = PickSlot(job.Prompt);
            var (donor, shared) = LongestPrefixElsewhere(job.Prompt, slot);

            // Always re-read at least the last prompt token: its logits give the first generated token.
            if (shared > common)
            {
                // Another slot (busy or not) already holds more of this prompt, e.g. a shared system prompt: copy
                // those positions rather than recompute them. A busy slot only appends, so its prefix is stable.
                var copied = Math.Min(shared, job.Prompt.Length - 1);
                cache.CopyPrefix(donor, slot, copied);
                slotTokens[slot].Clear();
                slotTokens[slot].AddRange(CollectionsMarshal.AsSpan(slotTokens[donor])[..copied]);
                common = copied;
            }

            var reuse = Math.Min(common, job.Prompt.Length - 1);
            cache.Truncate(slot, reuse);
            slotTokens[slot].RemoveRange(reuse, slotTokens[slot].Count - reuse);
            var seq = new Sequence(job, slot, reuse, job.Sampler ?? samplers.Create(job.Parameters.Sampling), model.CreateDecoder(job.Parameters.KeepSpecialText), time.GetTimestamp());
            slotOwner[slot] = seq;
            active.Add(seq);
            Interlocked.Increment(ref activeCount);
            metrics.RecordPromptTokens(job.Prompt.Length, reuse);
            LogAdmitted(logger, ModelName, slot, job.Prompt.Length, reuse);
        }
    }

    /// <summary>
    /// The free slot for a prompt: one whose cached tokens the prompt mostly continues (at least half of them shared,
    /// as llama.cpp's slot similarity; the longest such prefix wins, ties to the least recently used); otherwise the
    /// least recently used free slot, never-used ones first. A slot holding someone else's conversation is not
    /// overwritten just because it starts with the same chat-template header: the shared part is copied from
    /// whichever slot holds it (<see cref="LongestPrefixElsewhere"/>).
    /// </summary>
    private (int Slot, int Common) PickSlot(int[] prompt)
    {
        int continuation = -1, continuationCommon = 0, leastRecent = -1;
        for (var s = 0; s < slotOwner.Length; s++)
        {
            if (slotOwner[s] is not null)
            {
                continue;
            }

            if (leastRecent < 0 || slotLastUsed[s] < slotLastUsed[leastRecent])
            {
                leastRecent = s;
            }

            var tokens = CollectionsMarshal.AsSpan(slotTokens[s]);
            var common = tokens.CommonPrefixLength(prompt);
            if (common > 0 && 2 * common >= tokens.Length
                && (common > continuationCommon || (common == continuationCommon && slotLastUsed[s] < slotLastUsed[continuation])))
            {
                continuation = s;
                continuationCommon = common;
            }
        }

        return continuation >= 0
            ? (continuation, continuationCommon)
            : (leastRecent, CollectionsMarshal.AsSpan(slotTokens[leastRecent]).CommonPrefixLength(prompt));
    }

    /// <summary>The slot other than <paramref name="except"/> whose cached tokens share the longest prefix with the prompt.</summary>
    private (int Slot, int Common) LongestPrefixElsewhere(int[] prompt, int except)
    {
        var best = -1;
        var bestCommon = 0;
        for (var s = 0; s < slotTokens.Length; s++)
        {
            if (s == except)
            {
                continue;
            }

            var common = CollectionsMarshal.AsSpan(slotTokens[s]).CommonPrefixLength(prompt);
            if (common > bestCommon)
            {
                best = s;
                bestCommon = common;
            }
        }

        return (best, bestCommon);
    }

    private void Step(List<Sequence> active)
    {
        for (var i = active.Count - 1; i >= 0; i--)
        {
            if (active[i].Job.Cancellation.IsCancellationRequested)
            {
                Finish(active, active[i], FinishReason.Cancelled);
            }
        }

        if (active.Count == 0)
        {
            return;
        }

        var batch = new List<BatchItem>(options.MaxBatchTokens);
        var rows = new List<Sequence>(active.Count);
        foreach (var seq in active)
        {
            if (seq.Decoding)
            {
                batch.Add(new BatchItem(seq.LastToken, slotTokens[seq.Slot].Count, seq.Slot, true));
                slotTokens[seq.Slot].Add(seq.LastToken);
                rows.Add(seq);
            }
        }

        var decodeTokens = batch.Count;
        var limit = decodeTokens == 0 ? options.MaxBatchTokens : Math.Min(options.MaxBatchTokens, decodeTokens + options.PrefillChunk);
        foreach (var seq in active)
        {
            while (!seq.Decoding && batch.Count < limit)
            {
                var token = seq.Job.Prompt[seq.PromptFed++];
                var last = seq.PromptFed == seq.Job.Prompt.Length;
                batch.Add(new BatchItem(token, slotTokens[seq.Slot].Count, seq.Slot, last));
                slotTokens[seq.Slot].Add(token);
                if (last)
                {
                    seq.Decoding = true;
                    rows.Add(seq);
                }
            }
        }

        var started = time.GetTimestamp();
        try
        {
            model.Forward(CollectionsMarshal.AsSpan(batch), cache, logits.AsSpan(0, rows.Count * model.VocabSize));
        }
#pragma warning disable CA1031 // a failed step fails the sequences in it, never the server
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogStepFailed(logger, ex, ModelName, batch.Count);
            foreach (var seq in active.ToArray())
            {
                slotTokens[seq.Slot].Clear();
                cache.Truncate(seq.Slot, 0);
                Release(active, seq);
                seq.Job.Complete(new GenerationFailed(ex));
            }

            return;
        }

        var forwardDone = time.GetTimestamp();
        for (var r = 0; r < rows.Count; r++)
        {
            Advance(active, rows[r], logits.AsSpan(r * model.VocabSize, model.VocabSize));
        }

        metrics.RecordStep(decodeTokens, time.GetElapsedTime(started, forwardDone), time.GetElapsedTime(forwardDone));
    }

    private void Advance(List<Sequence> active, Sequence seq, ReadOnlySpan<float> row)
    {
        var job = seq.Job;
        var history = CollectionsMarshal.AsSpan(slotTokens[seq.Slot]);
        var token = seq.Sampler.Sample(row, history);
        var logprob = job.Parameters.TopLogprobs is int top ? Logprobs.For(row, token, top, model.TokenText) : null;
        seq.Generated++;
        if (seq.Generated == 1)
        {
            seq.FirstTokenTimestamp = time.GetTimestamp();
            metrics.RecordTimeToFirstToken(time.GetElapsedTime(job.EnqueuedTimestamp, seq.FirstTokenTimestamp));
        }

        metrics.RecordGeneratedTokens(1);
        if (model.IsEndOfGeneration(token))
        {
            Finish(active, seq, FinishReason.Stop);
            return;
        }

        var text = seq.Stop.Push(seq.Decoder.Push(token));
        job.Emit(new GeneratedToken(token, text, logprob));
        if (seq.Stop.Stopped)
        {
            Finish(active, seq, FinishReason.Stop);
        }
        else if (job.Parameters.MaxTokens is int max && seq.Generated >= max)
        {
            Finish(active, seq, FinishReason.Length);
        }
        else if (slotTokens[seq.Slot].Count + 1 >= options.ContextPerSlot)
        {
            // Feeding this token would take the last position: the sequence has used its context.
            Finish(active, seq, FinishReason.Length);
        }
        else
        {
            seq.LastToken = token;
        }
    }

    private void Finish(List<Sequence> active, Sequence seq, FinishReason reason)
    {
        if (reason != FinishReason.Cancelled)
        {
            var tail = seq.Stop.Push(seq.Decoder.Flush()) + seq.Stop.Flush();
            if (tail.Length > 0)
            {
                seq.Job.Emit(new GeneratedToken(-1, tail, null));
            }
        }

        Release(active, seq);
        var now = time.GetTimestamp();
        var firstToken = seq.FirstTokenTimestamp == 0 ? now : seq.FirstTokenTimestamp;
        var usage = new GenerationUsage(
            seq.Job.Prompt.Length,
            seq.CachedTokens,
            seq.Generated,
            time.GetElapsedTime(seq.Job.EnqueuedTimestamp, seq.AdmittedTimestamp),
            time.GetElapsedTime(seq.AdmittedTimestamp, firstToken),
            time.GetElapsedTime(firstToken, now));
        LogFinished(logger, ModelName, seq.Slot, reason, seq.Generated);
        seq.Job.Complete(new GenerationCompleted(reason, usage));
    }

    private void Release(List<Sequence> active, Sequence seq)
    {
        active.Remove(seq);
        slotOwner[seq.Slot] = null;
        slotLastUsed[seq.Slot] = ++useCounter;
        Interlocked.Decrement(ref activeCount);
    }

    private static GenerationUsage EmptyUsage(GenerationJob job) =>
        new(job.Prompt.Length, 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Model}: request admitted to slot {Slot} ({PromptTokens} prompt tokens, {Reused} reused from cache)")]
    private static partial void LogAdmitted(ILogger logger, string model, int slot, int promptTokens, int reused);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Model}: slot {Slot} finished ({Reason}) after {Generated} tokens")]
    private static partial void LogFinished(ILogger logger, string model, int slot, FinishReason reason, int generated);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Model}: scheduler step failed; the sequences in flight were ended")]
    private static partial void LogLoopFailed(ILogger logger, Exception error, string model);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Model}: forward pass over {Tokens} tokens failed; its sequences were ended")]
    private static partial void LogStepFailed(ILogger logger, Exception error, string model, int tokens);

    private sealed class Sequence(GenerationJob job, int slot, int cached, ITokenSampler sampler, ITextStreamDecoder decoder, long admitted)
    {
        public GenerationJob Job { get; } = job;

        public int Slot { get; } = slot;

        public int CachedTokens { get; } = cached;

        public ITokenSampler Sampler { get; } = sampler;

        public ITextStreamDecoder Decoder { get; } = decoder;

        public StopMatcher Stop { get; } = new(job.Parameters.Stop);

        public long AdmittedTimestamp { get; } = admitted;

        public long FirstTokenTimestamp { get; set; }

        /// <summary>Index of the next prompt token to feed (starts after the tokens reused from the cache).</summary>
        public int PromptFed { get; set; } = cached;

        public bool Decoding { get; set; }

        public int LastToken { get; set; }

        public int Generated { get; set; }
    }

    private sealed class EmbedWork(int[] tokens, CancellationToken cancellation)
    {
        public int[] Tokens { get; } = tokens;

        public CancellationToken Cancellation { get; } = cancellation;

        public TaskCompletionSource<float[]> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
