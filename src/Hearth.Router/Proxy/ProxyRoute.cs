namespace Hearth.Router.Proxy;

/// <summary>A proxied route: its path, whether its clients speak Ollama (error shape, stream default), and how an
/// <c>ollama</c> backend is reached for it.</summary>
internal sealed record ProxyRoute(string Path, bool OllamaClient, bool StreamDefault, OllamaMapping Ollama, string? OpenAIPath = null)
{
    public static readonly ProxyRoute ChatCompletions = new("/v1/chat/completions", false, false, OllamaMapping.TranslateChat);

    /// <summary>Completions and embeddings go to Ollama's own OpenAI-compatible /v1 routes unchanged; only chat
    /// needs translating (tool calls and usage chunks differ there).</summary>
    public static readonly ProxyRoute Completions = new("/v1/completions", false, false, OllamaMapping.SamePath);

    public static readonly ProxyRoute Embeddings = new("/v1/embeddings", false, false, OllamaMapping.SamePath);

    /// <summary>Ollama's routes go as they are to backends that serve /api/* (Ollama, Hearth); to other <c>openai</c>
    /// backends (<c>ollama_api: false</c>) they are translated to <see cref="OpenAIPath"/>.</summary>
    public static readonly ProxyRoute OllamaChat = new("/api/chat", true, true, OllamaMapping.SamePath, "/v1/chat/completions");

    public static readonly ProxyRoute OllamaGenerate = new("/api/generate", true, true, OllamaMapping.SamePath, "/v1/completions");

    /// <summary>How this route reaches a backend: as it is, or translated one way or the other.</summary>
    public Translation TranslationFor(Backends.Backend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (backend.Options.Type == Config.BackendType.Ollama)
        {
            return Ollama == OllamaMapping.TranslateChat ? Translation.OpenAIToOllama : Translation.None;
        }

        return OpenAIPath is not null && !backend.Options.OllamaApi ? Translation.OllamaToOpenAI : Translation.None;
    }

    public static IReadOnlyList<ProxyRoute> All { get; } = [ChatCompletions, Completions, Embeddings, OllamaChat, OllamaGenerate];
}

internal enum Translation
{
    None,

    /// <summary>An OpenAI chat client in front of an Ollama backend.</summary>
    OpenAIToOllama,

    /// <summary>An Ollama client in front of an OpenAI-only backend.</summary>
    OllamaToOpenAI,
}

internal enum OllamaMapping
{
    SamePath,
    TranslateChat,
}
