namespace Hearth.Packaging.Registry;

/// <summary>Settings of <see cref="RegistryClient"/>.</summary>
public sealed class RegistryOptions
{
    /// <summary>
    /// Bytes per PATCH of a chunked upload (default 16 MiB): the most an interrupted push loses,
    /// and the most a push holds in memory.
    /// </summary>
    public int ChunkSize { get; set; } = 16 << 20;

    /// <summary>Speak plain HTTP. Default: only for loopback registries (127.0.0.1, localhost, [::1]).</summary>
    public bool? PlainHttp { get; set; }

    /// <summary>Where upload sessions are remembered so that an interrupted push resumes; null = never resume.</summary>
    public string? UploadStateDirectory { get; set; }

    /// <summary>Called after each uploaded chunk with (digest, bytes so far, total); tests use it to interrupt a push.</summary>
    public Action<string, long, long>? ChunkUploaded { get; set; }
}
