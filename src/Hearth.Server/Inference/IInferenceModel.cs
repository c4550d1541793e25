using System.Text.Json.Nodes;

namespace Hearth.Server.Inference;

/// <summary>
/// What the server needs from a loaded model: tokenizing, chat rendering, one batched forward pass
/// over several sequences, embeddings. <see cref="EngineInferenceModel"/> implements it over
/// Hearth.Engine's Model; keeping the seam narrow lets the scheduler be reasoned about (and tested)
/// as pure slot/queue logic.
/// </summary>
internal interface IInferenceModel : IDisposable
{
    ModelFacts Facts { get; }

    int VocabSize { get; }

    /// <summary>Largest context a single sequence may use (from the file, capped by options).</summary>
    int ContextLength { get; }

    int[] Tokenize(string text, bool addSpecial);

    /// <summary>
    /// Renders OpenAI-style messages with the model's chat template (generation prompt appended) and
    /// tokenizes the result, special tokens parsed, BOS exactly once.
    /// </summary>
    int[] TokenizeChat(JsonArray messages);

    /// <summary>Renders messages with the chat template, generation prompt appended, with tools and extra template
    /// variables (tool calling, <c>enable_thinking</c>); <see cref="TokenizePrompt"/> turns the text into tokens.</summary>
    string RenderChat(JsonArray messages, ChatPromptExtras extras);

    /// <summary>Tokenizes a rendered chat prompt: special tokens parsed, BOS exactly once.</summary>
    int[] TokenizePrompt(string text);

    /// <summary>A decoder for generated text; <paramref name="keepSpecialText"/> writes control tokens as their text
    /// (tool-call markers such as <c>[TOOL_CALLS]</c> or <c>&lt;|python_tag|&gt;</c> are control tokens).</summary>
    ITextStreamDecoder CreateDecoder(bool keepSpecialText = false);

    /// <summary>The text of one token (logprobs report tokens one by one).</summary>
    string TokenText(int id);

    /// <summary>Each token's bytes in generated text, null for control tokens (BOS, EOS, chat markers): what JSON mode
    /// checks a token against.</summary>
    IReadOnlyList<byte[]?> TokenPieces { get; }

    bool IsEndOfGeneration(int id);

    IInferenceCache CreateCache(int slots, int contextPerSlot);

    /// <summary>One forward pass; writes one row of <see cref="VocabSize"/> logits per entry that wants them, in batch order.</summary>
    void Forward(ReadOnlySpan<BatchItem> batch, IInferenceCache cache, Span<float> logits);

    /// <summary>Mean-pooled, L2-normalized final hidden states.</summary>
    float[] Embed(ReadOnlySpan<int> tokens);
}

/// <summary>One token of a batch: which sequence (slot) it belongs to and where.</summary>
internal readonly record struct BatchItem(int Token, int Position, int Slot, bool WantLogits);

/// <summary>KV cache of a fixed number of slots, one sequence each.</summary>
internal interface IInferenceCache
{
    int Slots { get; }

    int ContextPerSlot { get; }

    void Truncate(int slot, int length);

    /// <summary>Makes <paramref name="destination"/> hold the first <paramref name="length"/> cached positions of <paramref name="source"/>.</summary>
    void CopyPrefix(int source, int destination, int length);
}

/// <summary>Turns a stream of token ids into text, emitting only complete UTF-8 characters.</summary>
internal interface ITextStreamDecoder
{
    string Push(int id);

    string Flush();
}

/// <summary>Descriptive facts shown by /api/show, /api/tags and /v1/models.</summary>
internal sealed record ModelFacts(
    string Architecture,
    long ParameterCount,
    int ContextLength,
    int EmbeddingLength,
    string Quantization,
    long FileSize,
    string? ChatTemplate);

/// <summary>Loads a model file; the default is the engine, tests may count loads.</summary>
internal interface IInferenceModelLoader
{
    IInferenceModel Load(string path, ModelLoadSettings settings);
}

/// <param name="ChatTemplate">A chat template (Jinja source) used instead of the file's (<c>--chat-template</c>).</param>
internal sealed record ModelLoadSettings(int? Threads, int? ContextLength, string? ChatTemplate = null);

/// <summary>What a chat prompt is rendered with besides its messages.</summary>
internal sealed record ChatPromptExtras
{
    public static readonly ChatPromptExtras None = new();

    /// <summary>OpenAI-style tool definitions (template variable <c>tools</c>), or null.</summary>
    public JsonArray? Tools { get; init; }

    /// <summary>More template variables (<c>enable_thinking</c>, a template's own like firefunction's <c>functions</c>).</summary>
    public IReadOnlyDictionary<string, JsonNode?> Variables { get; init; } = new Dictionary<string, JsonNode?>();
}
