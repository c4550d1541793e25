namespace Hearth.Router.Proxy;

/// <summary>A proxied route: its path, whether its clients speak Ollama (error shape, stream default), and how an
/// <c>ollama</c> backend is reached for it.</summary>
internal sealed record ProxyRoute(string Path, bool OllamaClient, bool StreamDefault, OllamaMapping Ollama)
{
    public static readonly ProxyRoute ChatCompletions = new("/v1/chat/completions", false, false, OllamaMapping.TranslateChat);

    /// <summary>Completions and embeddings go to Ollama's own OpenAI-compatible /v1 routes unchanged; only chat
    /// needs translating (tool calls and usage chunks differ there).</summary>
    public static readonly ProxyRoute Completions = new("/v1/completions", false, false, OllamaMapping.SamePath);

    public static readonly ProxyRoute Embeddings = new("/v1/embeddings", false, false, OllamaMapping.SamePath);

    public static readonly ProxyRoute OllamaChat = new("/api/chat", true, true, OllamaMapping.SamePath);

    public static readonly ProxyRoute OllamaGenerate = new("/api/generate", true, true, OllamaMapping.SamePath);

    public static IReadOnlyList<ProxyRoute> All { get; } = [ChatCompletions, Completions, Embeddings, OllamaChat, OllamaGenerate];
}

internal enum OllamaMapping
{
    SamePath,
    TranslateChat,
}
