namespace Hearth.Store;

/// <summary>Settings of <see cref="ModelPuller"/>; defaults suit pulling from the public Hugging Face hub.</summary>
public sealed class PullOptions
{
    public const string EndpointVariable = "HEARTH_HF_ENDPOINT";
    public const string TokenVariable = "HF_TOKEN";
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>
    /// Base URL of the Hugging Face hub (API at <c>/api/models/owner/repo</c>, files at
    /// <c>/owner/repo/resolve/main/file</c>). Default: <c>$HEARTH_HF_ENDPOINT</c>, else
    /// <c>https://huggingface.co</c>. Tests point it at a server on 127.0.0.1.
    /// </summary>
    public Uri HuggingFaceEndpoint { get; set; } = new(
        Environment.GetEnvironmentVariable(EndpointVariable) is { Length: > 0 } env ? env : DefaultEndpoint);

    /// <summary>Access token for gated repositories, sent only to the hub endpoint. Default: <c>$HF_TOKEN</c>.</summary>
    public string? HuggingFaceToken { get; set; } = Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } t ? t : null;

    /// <summary>Quantization picked when <c>hf.co/owner/repo</c> names none: Q4_K_M, the usual size/quality balance.</summary>
    public string DefaultQuant { get; set; } = "Q4_K_M";

    /// <summary>
    /// How long a download may receive no data before it fails (resumable). Default 60 s: long
    /// enough for a congested link, short enough that a dead connection does not hang a pull.
    /// Measured on the store's clock (<see cref="StoreOptions.Clock"/>).
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Bytes between two download progress reports (default 1 MiB): smooth bars, few callbacks.</summary>
    public long ProgressInterval { get; set; } = 1 << 20;
}
