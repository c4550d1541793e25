using System.Numerics.Tensors;
using Hearth.Engine.Architectures;
using Hearth.Engine.Execution;
using Hearth.Engine.Sampling;
using Hearth.Engine.Weights;
using Hearth.Gguf;
using Hearth.Templates;
using Hearth.Tokenizers;

namespace Hearth.Engine;

/// <summary>
/// A loaded GGUF language model: weights memory-mapped in place, a worker pool, and a forward pass
/// over batches of tokens from one or more sequences. One forward runs at a time per model (calls
/// are serialized); run several sequences together by putting them in one batch with their own slots.
/// </summary>
public sealed unsafe class Model : IDisposable
{
    private readonly GgufFile _file;
    private readonly IArchitecture _architecture;
    private readonly HyperParameters _hp;
    private readonly TransformerWeights _weights;
    private readonly WorkerPool _pool;
    private readonly ForwardPass _pass;
    private readonly Lock _sync = new();
    private readonly int _slidingWindowPass;
    private readonly Lazy<Tokenizer> _tokenizer;
    private readonly Lazy<ChatTemplate> _template;
    private bool _disposed;

    private Model(GgufFile file, IArchitecture architecture, HyperParameters hp, TransformerWeights weights, ModelInfo info, int threads, int slidingWindowPass)
    {
        _slidingWindowPass = slidingWindowPass;
        _file = file;
        _architecture = architecture;
        _hp = hp;
        _weights = weights;
        Info = info;
        _pool = new WorkerPool(threads);
        _pass = new ForwardPass(hp, architecture.RopeMode, _pool);
        _tokenizer = new Lazy<Tokenizer>(() => Tokenizer.FromGguf(file.Metadata));
        _template = new Lazy<ChatTemplate>(() => file.Metadata.GetStringOrDefault("tokenizer.chat_template", null) is { Length: > 0 } source
            ? ChatTemplate.Parse(source)
            : ChatTemplate.Default);
    }

    public ModelInfo Info { get; }

    /// <summary>The GGUF metadata (tokenizer, template and other keys).</summary>
    public GgufMetadata Metadata => _file.Metadata;

    /// <summary>The tokenizer described by the file's tokenizer.ggml.* keys (built on first use).</summary>
    public Tokenizer Tokenizer => _tokenizer.Value;

    /// <summary>
    /// The file's chat template (tokenizer.chat_template), or <see cref="ChatTemplate.Default"/> (ChatML)
    /// when it has none. A template that does not parse throws TemplateSyntaxException on first use,
    /// so a broken template is reported instead of silently replaced.
    /// </summary>
    public ChatTemplate Template => _template.Value;

    /// <summary>Sees every token's expert choice in a mixture-of-experts model, layer by layer (tests of the routing).</summary>
    internal ExpertRouting? RoutingHook
    {
        get => _pass.RoutingHook;
        set => _pass.RoutingHook = value;
    }

    /// <summary>Threads each forward pass uses.</summary>
    public int Threads => _pool.Threads;

    /// <summary>
    /// Opens <paramref name="path"/>, checks architecture, hyper-parameters and every tensor's type
    /// and shape, and maps the weights (nothing is read until a forward pass touches it).
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="UnsupportedArchitectureException">general.architecture is not one of ArchitectureRegistry's.</exception>
    /// <exception cref="UnsupportedTensorTypeException">A weight uses a type without a kernel.</exception>
    /// <exception cref="GgufMissingTensorException">A required tensor is absent.</exception>
    public static Model Load(string path, ModelOptions? options = null)
    {
        options ??= new ModelOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Threads, 1, nameof(options.Threads));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SlidingWindowPass, 1, nameof(options.SlidingWindowPass));
        var file = GgufFile.Open(path);
        try
        {
            var archName = file.Metadata.GetStringOrDefault("general.architecture", null)
                ?? throw new ModelHyperParameterException("general.architecture", "missing");
            var architecture = ArchitectureRegistry.Find(archName)
                ?? throw new UnsupportedArchitectureException(archName, file.Path, ArchitectureRegistry.Names);
            var hp = architecture.ReadHyperParameters(file.Metadata);
            var embedding = file.GetTensor("token_embd.weight");
            if (embedding.Dimensions.Length != 2 || embedding.Dimensions[1] is <= 0 or > int.MaxValue)
            {
                throw new TensorShapeException(embedding.Name, file.Path, [hp.EmbeddingLength, -1], embedding.Dimensions);
            }

            var vocab = (int)embedding.Dimensions[1];
            var tensors = new TensorLoader(file);
            var context = options is { AllowBeyondTrainedContext: true, ContextLength: { } wanted }
                ? wanted
                : Math.Min(options.ContextLength ?? ModelOptions.DefaultContextCap, hp.ContextLength);
            ArgumentOutOfRangeException.ThrowIfLessThan(context, 1, nameof(options.ContextLength));
            hp = hp with { Rope = hp.Rope.WithFactors(name => tensors.OptionalVector(name, hp.Rope.Dimensions / 2), context) };
            var weights = architecture.LoadWeights(tensors, hp, vocab);
            var info = new ModelInfo
            {
                Name = file.Metadata.GetStringOrDefault("general.name", null) ?? System.IO.Path.GetFileNameWithoutExtension(path),
                Architecture = archName,
                ContextLength = context,
                TrainedContextLength = hp.ContextLength,
                EmbeddingLength = hp.EmbeddingLength,
                LayerCount = hp.LayerCount,
                HeadCount = hp.HeadCount,
                KvHeadCount = hp.KvHeadCount,
                HeadDimension = hp.HeadDimension,
                FeedForwardLength = hp.FeedForwardLength,
                VocabSize = vocab,
                ParameterCount = file.Tensors.Sum(t => t.ElementCount),
                FileSize = file.FileSize,
                WeightType = DominantType(file),
            };
            return new Model(file, architecture, hp, weights, info, options.Threads, options.SlidingWindowPass);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A KV cache for <paramref name="slots"/> sequences of up to <paramref name="contextPerSlot"/> positions each;
    /// sliding-window layers keep a ring of window + <see cref="ModelOptions.SlidingWindowPass"/> positions.
    /// </summary>
    public KvCache CreateCache(int slots, int contextPerSlot)
    {
        if (contextPerSlot > Info.ContextLength)
        {
            throw new ContextLengthExceededException(contextPerSlot, Info.ContextLength);
        }

        var windows = Enumerable.Range(0, _hp.LayerCount).Select(l => _hp.IsSliding(l) ? _hp.SlidingWindow : 0).ToArray();
        return new KvCache(this, _hp.LayerCount, _hp.KvHeadCount, _hp.HeadDimension, slots, contextPerSlot, windows, _slidingWindowPass);
    }

    /// <summary>
    /// Runs the model over <paramref name="batch"/>, storing each token's keys and values in its
    /// slot at its position, and writes one row of <see cref="ModelInfo.VocabSize"/> logits per
    /// token with WantLogits, in batch order. A token attends to its slot's positions up to its own
    /// (cached ones and earlier tokens of the same slot in this batch).
    /// </summary>
    /// <exception cref="ContextLengthExceededException">A position does not fit the cache's context.</exception>
    /// <exception cref="NonFiniteLogitsException">The logits contain NaN or infinity.</exception>
    public void Forward(ReadOnlySpan<BatchToken> batch, KvCache cache, Span<float> logits)
    {
        ArgumentNullException.ThrowIfNull(cache);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var wanted = Validate(batch, cache, logits.Length);
            Recompute(batch, cache);
            var row = 0;
            for (var start = 0; start < batch.Length;)
            {
                var pass = batch[start..PassEnd(batch, start, cache)];
                _pass.Begin(pass, cache);
                _architecture.Forward(_pass, _weights);
                fixed (float* l = logits[(row * Info.VocabSize)..])
                {
                    _pass.Logits(_weights.OutputNorm, _weights.Output, l);
                }

                foreach (var t in pass)
                {
                    cache.Stored(t.Slot, t.Position, t.Token);
                    row += t.WantLogits ? 1 : 0;
                }

                start += pass.Length;
            }

            CheckFinite(batch, logits[..(wanted * Info.VocabSize)]);
        }
    }

    /// <summary>Mean-pooled, L2-normalized final hidden states of <paramref name="tokens"/> (one sequence).</summary>
    public float[] Embed(ReadOnlySpan<int> tokens)
    {
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("At least one token is needed.", nameof(tokens));
        }

        if (tokens.Length > Info.ContextLength)
        {
            throw new ContextLengthExceededException(tokens.Length, Info.ContextLength);
        }

        var cache = CreateCache(1, tokens.Length);
        var batch = new BatchToken[tokens.Length];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = new BatchToken(tokens[i], i, 0, false);
        }

        var d = _hp.EmbeddingLength;
        var result = new float[d];
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Validate(batch, cache, 0);
            for (var start = 0; start < batch.Length;)
            {
                var pass = batch.AsSpan(start, PassEnd(batch, start, cache) - start);
                _pass.Begin(pass, cache);
                _architecture.Forward(_pass, _weights);
                _pass.FinalHidden(_weights.OutputNorm);
                for (var t = 0; t < pass.Length; t++)
                {
                    TensorPrimitives.Add(result, ForwardPass.Row(_pass.Xb, t, d), result);
                }

                start += pass.Length;
            }
        }

        var norm = TensorPrimitives.Norm(result);
        if (!float.IsFinite(norm))
        {
            throw new NonFiniteLogitsException(0, norm);
        }

        if (norm > 0)
        {
            TensorPrimitives.Divide(result, norm, result);
        }

        return result;
    }

    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _pool.Dispose();
            _file.Dispose();
        }
    }

    /// <summary>
    /// Recomputes the kept prefix of every slot of the batch whose sliding-window rings lost part of it (a truncation
    /// or copy that went back further than a ring reaches), from the tokens the cache remembers: every layer above a
    /// ring depends on it, so the prefix is run again from position 0, without logits.
    /// </summary>
    private void Recompute(ReadOnlySpan<BatchToken> batch, KvCache cache)
    {
        foreach (var b in batch)
        {
            var slot = b.Slot;
            if (cache.Intact(slot) >= cache.Length(slot))
            {
                continue;
            }

            var tokens = cache.Tokens(slot);
            var replay = new BatchToken[tokens.Length];
            for (var p = 0; p < replay.Length; p++)
            {
                replay[p] = new BatchToken(tokens[p], p, slot, false);
            }

            for (var start = 0; start < replay.Length;)
            {
                var pass = replay.AsSpan(start, PassEnd(replay, start, cache) - start);
                _pass.Begin(pass, cache);
                _architecture.Forward(_pass, _weights);
                foreach (var t in pass)
                {
                    cache.Stored(t.Slot, t.Position, t.Token);
                }

                start += pass.Length;
            }
        }
    }

    /// <summary>
    /// The end of the pass that starts at <paramref name="start"/>: the whole rest of the batch, unless the cache has
    /// sliding-window rings; then it ends before any slot gets more than <see cref="KvCache.PassLimit"/> tokens, so
    /// storing a pass never overwrites a row that one of its tokens still attends to. Passes run in batch order, so
    /// every token still sees the same positions as in one pass.
    /// </summary>
    private static int PassEnd(ReadOnlySpan<BatchToken> batch, int start, KvCache cache)
    {
        if (cache.PassLimit >= batch.Length - start)
        {
            return batch.Length;
        }

        var perSlot = cache.Scratch;
        Array.Clear(perSlot);
        var end = start;
        while (end < batch.Length && ++perSlot[batch[end].Slot] <= cache.PassLimit)
        {
            end++;
        }

        return end;
    }

    private int Validate(ReadOnlySpan<BatchToken> batch, KvCache cache, int logitsLength)
    {
        if (batch.IsEmpty)
        {
            throw new ArgumentException("The batch is empty.", nameof(batch));
        }

        if (!ReferenceEquals(cache.Owner, this))
        {
            throw new ArgumentException("The cache was created by another model.", nameof(cache));
        }

        var lengths = cache.Scratch;
        for (var s = 0; s < lengths.Length; s++)
        {
            lengths[s] = cache.Length(s);
        }

        var wanted = 0;
        for (var i = 0; i < batch.Length; i++)
        {
            var t = batch[i];
            if ((uint)t.Token >= (uint)Info.VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(batch), $"Token id {t.Token} (batch entry {i}) is outside the vocabulary of {Info.VocabSize}.");
            }

            if ((uint)t.Slot >= (uint)cache.Slots)
            {
                throw new ArgumentOutOfRangeException(nameof(batch), $"Slot {t.Slot} (batch entry {i}) is outside the cache's {cache.Slots} slots.");
            }

            if (t.Position >= cache.ContextPerSlot)
            {
                throw new ContextLengthExceededException(t.Position + 1, cache.ContextPerSlot);
            }

            if (t.Position < 0 || t.Position > lengths[t.Slot])
            {
                throw new ArgumentException(
                    $"Position {t.Position} (batch entry {i}) leaves a gap: slot {t.Slot} holds {lengths[t.Slot]} positions.", nameof(batch));
            }

            lengths[t.Slot] = Math.Max(lengths[t.Slot], t.Position + 1);
            wanted += t.WantLogits ? 1 : 0;
        }

        if (logitsLength < (long)wanted * Info.VocabSize)
        {
            throw new ArgumentException($"The logits buffer holds {logitsLength} floats; {wanted} rows of {Info.VocabSize} are needed.", "logits");
        }

        return wanted;
    }

    private void CheckFinite(ReadOnlySpan<BatchToken> batch, ReadOnlySpan<float> logits)
    {
        var row = 0;
        for (var i = 0; i < batch.Length; i++)
        {
            if (!batch[i].WantLogits)
            {
                continue;
            }

            var values = logits.Slice(row++ * Info.VocabSize, Info.VocabSize);
            for (var id = 0; id < values.Length; id++)
            {
                if (!float.IsFinite(values[id]))
                {
                    throw new NonFiniteLogitsException(id, values[id]);
                }
            }
        }
    }

    private static string DominantType(GgufFile file)
    {
        var byType = file.Tensors.Where(t => t.Dimensions.Length >= 2)
            .GroupBy(t => t.Type)
            .Select(g => (Type: g.Key, Bytes: g.Sum(t => t.ByteSize)))
            .OrderByDescending(x => x.Bytes)
            .ToList();
        return byType.Count == 0 ? "unknown" : GgmlTypeInfo.Name(byType[0].Type);
    }
}
