using System.Buffers;

namespace Hearth.Router.Backends;

public enum AttemptKind
{
    /// <summary>2xx headers and the first body bytes arrived: the response can be committed to the client.</summary>
    Ok,

    /// <summary>A non-2xx answer; its (bounded) body is in <see cref="UpstreamAttempt.ErrorBody"/>.</summary>
    HttpError,

    /// <summary>Connection refused or reset before any byte of the answer.</summary>
    ConnectFailed,

    /// <summary>No first byte within the backend's first-byte timeout.</summary>
    Timeout,
}

/// <summary>
/// How one try at a backend went, up to and including its first body bytes. An expected failure is a
/// result, not an exception: the proxy moves on to the next candidate, and the circuit breaker counts it.
/// </summary>
internal sealed class UpstreamAttempt : IDisposable
{
    public AttemptKind Kind { get; init; }

    public HttpResponseMessage? Response { get; init; }

    public Stream? Body { get; init; }

    /// <summary>A pooled read buffer holding the first <see cref="FirstLength"/> bytes; returned on dispose.</summary>
    public byte[]? Buffer { get; init; }

    public int FirstLength { get; init; }

    public int Status => Response is null ? 0 : (int)Response.StatusCode;

    public byte[]? ErrorBody { get; init; }

    public TimeSpan TimeToFirstByte { get; init; }

    public string? FailureMessage { get; init; }

    /// <summary>Failures the circuit breaker counts: the backend misbehaved (5xx, refused, silent). 429 is saturation, not failure.</summary>
    public bool IsBackendFailure => Kind is AttemptKind.ConnectFailed or AttemptKind.Timeout || (Kind == AttemptKind.HttpError && Status >= 500);

    /// <summary>Worth trying another backend: connect failure, timeout, 5xx, 429.</summary>
    public bool Retryable => IsBackendFailure || Status == 429;

    public void Dispose()
    {
        Body?.Dispose();
        Response?.Dispose();
        if (Buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(Buffer);
        }
    }
}
