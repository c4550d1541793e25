using Hearth.Server.Inference;
using Hearth.Server.Models;
using Microsoft.Extensions.Logging;

namespace Hearth.Server;

/// <summary>Settings of <c>hearth serve</c>; every default is the one documented in README's Server section.</summary>
public sealed class ServerOptions
{
    /// <summary>Models given with --model: a file path registers an alias (file name without .gguf); a name must exist in the store.</summary>
    public IList<string> Models { get; } = [];

    /// <summary>Address to bind: loopback by default, so nothing outside the machine reaches the server unless asked.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (see <see cref="HearthServer.ListeningAddress"/>).</summary>
    public int Port { get; set; } = 8080;

    /// <summary>Sequences decoded together per model (slots of the batch).</summary>
    public int Parallel { get; set; } = 4;

    /// <summary>Context per sequence in tokens; null = the model's own, capped at 4096.</summary>
    public int? ContextLength { get; set; }

    /// <summary>Threads for the engine; null = all cores.</summary>
    public int? Threads { get; set; }

    /// <summary>How long an idle model stays loaded (Ollama's default, 5 minutes); requests may override it with keep_alive.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A chat template (Jinja source) used for every model instead of the one in its file, as llama.cpp's
    /// <c>--chat-template-file</c>: gives a model without one (or with a poor one) a tool-calling format. Null = the file's.</summary>
    public string? ChatTemplate { get; set; }

    /// <summary>Chat templates (Jinja source) for single models, by model name; they win over <see cref="ChatTemplate"/>
    /// (<c>--chat-template NAME=FILE</c>): a packed image gives each of its models the template its spec names.</summary>
    public Dictionary<string, string> ModelChatTemplates { get; } = new(StringComparer.Ordinal);

    /// <summary>Sampling defaults and context length for single models, by model name (<c>--model-defaults NAME=FILE</c>):
    /// a packed image serves each model with the <c>parameters</c> its spec names. Requests still override them.</summary>
    public Dictionary<string, ModelDefaults> ModelDefaults { get; } = new(StringComparer.Ordinal);

    /// <summary>Models kept in memory at once; loading one more evicts the least recently used idle one.</summary>
    public int MaxLoadedModels { get; set; } = 2;

    /// <summary>Requests that may wait for a slot per model; more get 503 with Retry-After.</summary>
    public int QueueCapacity { get; set; } = 64;

    /// <summary>Tokens per forward pass (prompts longer than this are prefilled in chunks).</summary>
    public int MaxBatchTokens { get; set; } = 512;

    /// <summary>Prompt tokens per forward pass while other sequences are generating: bounds the pause a new prompt
    /// puts between their tokens. 64 is ~1 s of prefill on 2 AVX2 cores for a 1B model (docs/benchmarks.md); raise it
    /// on faster machines for a quicker first token.</summary>
    public int PrefillChunk { get; set; } = 64;

    /// <summary>Largest request body; larger ones get 413. 16 MiB holds any realistic chat history.</summary>
    public long MaxRequestBodyBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>When set, API routes require <c>Authorization: Bearer</c> with this key.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Origins allowed by CORS; empty = CORS off.</summary>
    public IList<string> CorsOrigins { get; } = [];

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Adjusts logging (tests silence it; the CLI keeps the console logger).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }

    /// <summary>Model store directory; null = Hearth.Store's default (HEARTH_HOME). Used for names, pull and delete.</summary>
    public string? StoreDirectory { get; set; }

    /// <summary>Turns the store off entirely (only --model paths are served).</summary>
    public bool DisableStore { get; set; }

    internal IInferenceModelLoader? ModelLoader { get; set; }

    internal ITokenSamplerFactory? Samplers { get; set; }

    internal IModelCatalog? Catalog { get; set; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Port, "--port");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535, "--port");
        ArgumentOutOfRangeException.ThrowIfLessThan(Parallel, 1, "--parallel");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Parallel, 256, "--parallel");
        if (ContextLength is int ctx)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(ctx, 16, "--ctx");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLoadedModels, 1, nameof(MaxLoadedModels));
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, 1, nameof(QueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(PrefillChunk, 1, "--prefill-chunk");
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestBodyBytes, 1024, nameof(MaxRequestBodyBytes));
        foreach (var (name, source) in ModelChatTemplates.Select(p => (p.Key + ": ", (string?)p.Value)).Prepend((string.Empty, ChatTemplate)))
        {
            if (source is null)
            {
                continue;
            }

            try
            {
                _ = Hearth.Templates.ChatTemplate.Parse(source);
            }
            catch (Hearth.Templates.TemplateSyntaxException e)
            {
                throw new ArgumentException("--chat-template: " + name + e.Message, "--chat-template", e);
            }
        }

        if (ApiKey is { Length: 0 })
        {
            throw new ArgumentException("--api-key must not be empty.", "--api-key");
        }
    }
}
