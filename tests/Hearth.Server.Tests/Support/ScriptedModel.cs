using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Server.Inference;

namespace Hearth.Server.Tests.Support;

/// <summary>
/// A deterministic stand-in for an engine model, used where the test is about scheduling (which
/// tokens go into which forward pass) rather than numerics: one token per character of a small
/// alphabet, and logits that always favour the next letter, so greedy output is known exactly.
/// Its cache is strict: a token fed at a position other than the slot's current length throws, which
/// checks the scheduler's KV bookkeeping (prefix reuse, truncation) on every step.
/// An optional gate makes each forward pass wait for the test, so steps are counted, never timed.
/// </summary>
internal sealed class ScriptedModel : IInferenceModel, IInferenceModelLoader
{
    public const string Alphabet = "abcdefghijklmnopqrstuvwxyz .,:\n*_`#-[]()";
    public const int Bos = 0;
    public const int Eos = 1;

    public ScriptedModel(int contextLength = 256)
    {
        ContextLength = contextLength;
    }

    public ConcurrentQueue<BatchItem[]> Batches { get; } = new();

    public SemaphoreSlim? Gate { get; set; }

    /// <summary>Forward passes that have started (counted before waiting on the gate).</summary>
    public int ForwardCalls => forwardCalls;

    public int Loads { get; private set; }

    public bool Disposed { get; private set; }

    /// <summary>When set, the letter z is followed by end-of-generation instead of wrapping to a.</summary>
    public bool EosAfterZ { get; set; }

    public ModelFacts Facts => new("scripted", 1234, ContextLength, 8, "F32", 1000, "{{ messages }}");

    public int VocabSize => 2 + Alphabet.Length;

    public int ContextLength { get; }

    private int forwardCalls;

    public IInferenceModel Load(string path, ModelLoadSettings settings)
    {
        Loads++;
        Disposed = false;
        return this;
    }

    public int[] Tokenize(string text, bool addSpecial)
    {
        var ids = new List<int>();
        if (addSpecial)
        {
            ids.Add(Bos);
        }

        foreach (var c in text)
        {
            var at = Alphabet.IndexOf(char.ToLowerInvariant(c), StringComparison.Ordinal);
            ids.Add(2 + (at < 0 ? Alphabet.IndexOf(' ', StringComparison.Ordinal) : at));
        }

        return [.. ids];
    }

    public int[] TokenizeChat(JsonArray messages)
    {
        var text = new StringBuilder();
        foreach (var m in messages)
        {
            text.Append((string?)m!["role"]).Append(": ").Append((string?)m["content"]).Append('\n');
        }

        text.Append("assistant: ");
        return Tokenize(text.ToString(), addSpecial: true);
    }

    public string RenderChat(JsonArray messages, ChatPromptExtras extras) => string.Concat(messages.Select(m => $"{(string?)m!["role"]}: {(string?)m["content"]}\n")) + "assistant: ";

    public int[] TokenizePrompt(string text) => Tokenize(text, addSpecial: true);

    public ITextStreamDecoder CreateDecoder(bool keepSpecialText = false) => new Decoder(this);

    public string TokenText(int id) => id switch
    {
        Bos => "<s>",
        Eos => "</s>",
        _ => Alphabet[id - 2].ToString(),
    };

    public bool IsEndOfGeneration(int id) => id == Eos;

    public IReadOnlyList<byte[]?> TokenPieces => Enumerable.Range(0, VocabSize).Select(id => id < 2 ? null : Encoding.UTF8.GetBytes(TokenText(id))).ToArray();

    /// <summary>The token the logits favour after <paramref name="token"/>: the next letter, wrapping around.</summary>
    public int Next(int token) => EosAfterZ && token == 2 + Alphabet.IndexOf('z', StringComparison.Ordinal)
        ? Eos
        : token < 2 ? 2 : 2 + ((token - 2 + 1) % Alphabet.Length);

    public IInferenceCache CreateCache(int slots, int contextPerSlot) => new Cache(slots, contextPerSlot);

    public void Forward(ReadOnlySpan<BatchItem> batch, IInferenceCache cache, Span<float> logits)
    {
        Interlocked.Increment(ref forwardCalls);
        Gate?.Wait();
        Batches.Enqueue(batch.ToArray());
        var c = (Cache)cache;
        var row = 0;
        foreach (var item in batch)
        {
            if (item.Position != c.Lengths[item.Slot])
            {
                throw new InvalidOperationException($"slot {item.Slot}: token fed at position {item.Position}, cache holds {c.Lengths[item.Slot]}");
            }

            if (item.Position >= c.ContextPerSlot)
            {
                throw new InvalidOperationException($"slot {item.Slot}: position {item.Position} beyond the context");
            }

            c.Lengths[item.Slot]++;
            if (item.WantLogits)
            {
                var r = logits.Slice(row * VocabSize, VocabSize);
                r.Clear();
                r[Next(item.Token)] = 10f;
                row++;
            }
        }

        if (row * VocabSize != logits.Length)
        {
            throw new InvalidOperationException($"logits buffer holds {logits.Length / VocabSize} rows, batch wants {row}");
        }
    }

    public float[] Embed(ReadOnlySpan<int> tokens)
    {
        var v = new float[8];
        foreach (var t in tokens)
        {
            v[t % 8] += 1;
        }

        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }

    public void Dispose() => Disposed = true;

    private sealed class Cache(int slots, int context) : IInferenceCache
    {
        public int[] Lengths { get; } = new int[slots];

        public int Slots => slots;

        public int ContextPerSlot => context;

        public void Truncate(int slot, int length) => Lengths[slot] = Math.Min(Lengths[slot], length);

        public void CopyPrefix(int source, int destination, int length)
        {
            if (length > Lengths[source])
            {
                throw new InvalidOperationException($"slot {source} holds {Lengths[source]} positions, {length} copied");
            }

            Lengths[destination] = length;
        }
    }

    private sealed class Decoder(ScriptedModel model) : ITextStreamDecoder
    {
        public string Push(int id) => id < 2 ? string.Empty : model.TokenText(id);

        public string Flush() => string.Empty;
    }
}
