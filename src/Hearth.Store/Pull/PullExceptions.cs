using System.Net;

namespace Hearth.Store;

/// <summary>The server answered a download or hub request with an error status.</summary>
public sealed class ModelDownloadException(Uri url, HttpStatusCode status, string? detail = null)
    : HttpRequestException($"download failed: {(int)status} {status} for {url}{(detail is null ? "" : ": " + detail)}", null, status)
{
    public Uri Url { get; } = url;
}

/// <summary>The downloaded file is not a GGUF model; it was removed and nothing was registered.</summary>
public sealed class NotAGgufException(string source, Exception inner)
    : FormatException($"{source} is not a GGUF model file ({inner.Message}); the download was removed", inner)
{
    public string Origin { get; } = source;
}

/// <summary>A Hugging Face repository has no (or no unique) GGUF file for the requested quantization.</summary>
public sealed class GgufFileSelectionException(string repository, string? quant, IReadOnlyList<string> candidates, string problem)
    : ArgumentException($"{repository}: {problem}; GGUF files there: {(candidates.Count == 0 ? "none" : string.Join(", ", candidates))}")
{
    public string Repository { get; } = repository;

    public string? Quant { get; } = quant;

    public IReadOnlyList<string> Candidates { get; } = candidates;
}
