using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hearth.Engine.Sampling;

namespace Hearth.Engine.Generation;

/// <summary>
/// One conversation's tokens in one KV-cache slot. A new prompt that shares a prefix with what the
/// slot already holds only processes the new suffix, so multi-turn chat does not re-read history.
/// Not thread-safe: one caller at a time.
/// </summary>
public sealed class Sequence
{
    private readonly Model model;
    private readonly KvCache cache;
    private readonly int slot;
    private readonly List<int> tokens = [];
    private readonly float[] logits;

    public Sequence(Model model, KvCache cache, int slot)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, cache.Slots);
        this.model = model;
        this.cache = cache;
        this.slot = slot;
        logits = new float[model.Info.VocabSize];
        cache.Clear(slot);
    }

    /// <summary>The tokens whose keys and values the slot holds (prompt and generated).</summary>
    public IReadOnlyList<int> Tokens => tokens;

    /// <summary>Counts and timings of the last finished generation.</summary>
    public GenerationStats? LastStats { get; private set; }

    /// <summary>Forgets everything the slot holds.</summary>
    public void Reset()
    {
        tokens.Clear();
        cache.Clear(slot);
    }

    /// <summary>
    /// Processes <paramref name="prompt"/> (reusing the cached prefix) and streams generated tokens.
    /// A token's Text may be empty while a UTF-8 character or a possible stop string is incomplete;
    /// a final item with Token = -1 carries text released at the end.
    /// </summary>
    public async IAsyncEnumerable<GeneratedToken> GenerateAsync(
        IReadOnlyList<int> prompt,
        GenerationOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        if (prompt.Count == 0)
        {
            throw new ArgumentException("The prompt is empty: at least one token is needed.", nameof(prompt));
        }

        if (prompt.Count >= cache.ContextPerSlot)
        {
            throw new ContextLengthExceededException(prompt.Count, cache.ContextPerSlot);
        }

        var sampler = new Sampler(options.Sampling);
        var started = Stopwatch.GetTimestamp();
        var cached = Prefill(prompt, options.PrefillChunk, cancellationToken);
        var promptTime = Stopwatch.GetElapsedTime(started);
        await Task.Yield();

        var decoder = model.Tokenizer.CreateStreamingDecoder();
        var stops = new StopStringMatcher(options.Stop);
        var endIds = model.Tokenizer.EndOfGenerationIds;
        var generated = 0;
        var finish = FinishReason.Length;
        started = Stopwatch.GetTimestamp();
        while (options.MaxTokens < 0 || generated < options.MaxTokens)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var token = sampler.Sample(logits, CollectionsMarshal.AsSpan(tokens));
            generated++;
            if (!options.IgnoreEndOfGeneration && endIds.Contains(token))
            {
                finish = FinishReason.Stop;
                break;
            }

            var logProb = LogProbs.Of(logits, token);
            var top = options.TopLogProbs > 0 ? LogProbs.Top(logits, options.TopLogProbs) : [];
            tokens.Add(token);
            var text = stops.Push(decoder.Push(token));
            yield return new GeneratedToken(token, text, logProb, top);
            if (stops.Stopped)
            {
                finish = FinishReason.Stop;
                break;
            }

            if (tokens.Count >= cache.ContextPerSlot || (options.MaxTokens >= 0 && generated >= options.MaxTokens))
            {
                break;
            }

            model.Forward([new BatchToken(token, tokens.Count - 1, slot, WantLogits: true)], cache, logits);
        }

        var rest = stops.Stopped ? string.Empty : stops.Push(decoder.Flush()) + stops.Flush();
        LastStats = new GenerationStats(prompt.Count, cached, generated, finish, promptTime, Stopwatch.GetElapsedTime(started));
        if (rest.Length > 0)
        {
            yield return new GeneratedToken(-1, rest, 0, []);
        }
    }

    /// <summary>Brings the slot to exactly <paramref name="prompt"/> and leaves the last token's logits in the buffer. Returns how many prompt tokens were reused from the cache.</summary>
    private int Prefill(IReadOnlyList<int> prompt, int chunk, CancellationToken cancellationToken)
    {
        var common = 0;
        while (common < tokens.Count && common < prompt.Count && tokens[common] == prompt[common])
        {
            common++;
        }

        // The slot may lack the last generated token (generation ended before feeding it back), and
        // the last prompt token is always recomputed: its logits are where sampling starts.
        common = Math.Min(common, Math.Min(cache.Length(slot), prompt.Count - 1));
        cache.Truncate(slot, common);
        tokens.RemoveRange(common, tokens.Count - common);

        chunk = Math.Max(1, chunk);
        var batch = new BatchToken[Math.Min(chunk, prompt.Count - common)];
        for (var start = common; start < prompt.Count; start += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = Math.Min(chunk, prompt.Count - start);
            for (var i = 0; i < n; i++)
            {
                var position = start + i;
                batch[i] = new BatchToken(prompt[position], position, slot, WantLogits: position == prompt.Count - 1);
            }

            model.Forward(batch.AsSpan(0, n), cache, logits);
            for (var i = 0; i < n; i++)
            {
                tokens.Add(prompt[start + i]);
            }
        }

        return common;
    }
}
