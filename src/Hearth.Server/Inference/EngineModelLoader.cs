using System.Text.Json.Nodes;
using Hearth.Engine;
using Hearth.Templates;
using Hearth.Tokenizers;

namespace Hearth.Server.Inference;

/// <summary>Loads models with Hearth.Engine.</summary>
internal sealed class EngineModelLoader : IInferenceModelLoader
{
    public IInferenceModel Load(string path, ModelLoadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = settings.Threads is int threads
            ? new ModelOptions { Threads = threads, ContextLength = settings.ContextLength }
            : new ModelOptions { ContextLength = settings.ContextLength };
        return new EngineInferenceModel(Model.Load(path, options), settings.ChatTemplate);
    }
}

/// <summary>Hearth.Engine's Model behind the server's seam: tokenizer, template, batched forward, embeddings.</summary>
internal sealed class EngineInferenceModel(Model model, string? templateOverride = null) : IInferenceModel
{
    private readonly Tokenizer tokenizer = model.Tokenizer;
    private readonly ChatTemplate template = templateOverride is null ? model.Template : ChatTemplate.Parse(templateOverride);
    private byte[]?[]? pieces;

    public ModelFacts Facts { get; } = new(
        model.Info.Architecture,
        model.Info.ParameterCount,
        model.Info.ContextLength,
        model.Info.EmbeddingLength,
        model.Info.WeightType,
        model.Info.FileSize,
        templateOverride ?? model.Metadata.GetStringOrDefault("tokenizer.chat_template", null));

    public int VocabSize => model.Info.VocabSize;

    public int ContextLength => model.Info.ContextLength;

    public int[] Tokenize(string text, bool addSpecial) => tokenizer.Encode(text, addSpecial, parseSpecial: false);

    public int[] TokenizeChat(JsonArray messages) => TokenizePrompt(RenderChat(messages, ChatPromptExtras.None));

    public string RenderChat(JsonArray messages, ChatPromptExtras extras)
    {
        ArgumentNullException.ThrowIfNull(extras);

        // The template may write BOS itself; StripLeadingBos removes it so Encode adds it exactly once.
        var input = new ChatTemplateInput
        {
            Messages = messages,
            Tools = extras.Tools,
            AddGenerationPrompt = true,
            BosToken = tokenizer.BosId is int bos ? tokenizer.TokenText(bos) : string.Empty,
            EosToken = tokenizer.EosId is int eos ? tokenizer.TokenText(eos) : string.Empty,
        };
        foreach (var (name, value) in extras.Variables)
        {
            input.ExtraVariables[name] = value?.DeepClone();
        }

        return template.Render(input);
    }

    public int[] TokenizePrompt(string text) => tokenizer.Encode(text, addSpecial: true, parseSpecial: true);

    public ITextStreamDecoder CreateDecoder(bool keepSpecialText = false) => new Decoder(tokenizer.CreateStreamingDecoder(skipSpecial: !keepSpecialText));

    public string TokenText(int id) => tokenizer.Decode([id]);

    public IReadOnlyList<byte[]?> TokenPieces => pieces ??= Enumerable.Range(0, tokenizer.VocabSize)
        .Select(id => tokenizer.IsControl(id) ? null : tokenizer.TokenBytes(id))
        .ToArray();

    public bool IsEndOfGeneration(int id) => tokenizer.EndOfGenerationIds.Contains(id);

    public IInferenceCache CreateCache(int slots, int contextPerSlot) => new Cache(model.CreateCache(slots, contextPerSlot));

    public void Forward(ReadOnlySpan<BatchItem> batch, IInferenceCache cache, Span<float> logits)
    {
        var tokens = new BatchToken[batch.Length];
        for (var i = 0; i < batch.Length; i++)
        {
            tokens[i] = new BatchToken(batch[i].Token, batch[i].Position, batch[i].Slot, batch[i].WantLogits);
        }

        model.Forward(tokens, ((Cache)cache).Inner, logits);
    }

    public float[] Embed(ReadOnlySpan<int> tokens) => model.Embed(tokens);

    public void Dispose() => model.Dispose();

    private sealed class Cache(KvCache inner) : IInferenceCache
    {
        public KvCache Inner { get; } = inner;

        public int Slots => Inner.Slots;

        public int ContextPerSlot => Inner.ContextPerSlot;

        public void Truncate(int slot, int length) => Inner.Truncate(slot, length);

        public void CopyPrefix(int source, int destination, int length) => Inner.CopyPrefix(source, destination, length);
    }

    private sealed class Decoder(StreamingDecoder inner) : ITextStreamDecoder
    {
        public string Push(int id) => inner.Push(id);

        public string Flush() => inner.Flush();
    }
}
