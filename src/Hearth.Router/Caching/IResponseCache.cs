namespace Hearth.Router.Caching;

/// <summary>A stored upstream answer: the body bytes exactly as the client received them
/// (a whole JSON document, or the full SSE/NDJSON stream for streamed requests), and the backend that made it.</summary>
public sealed record CachedResponse(int StatusCode, string ContentType, byte[] Body, string Backend);

/// <summary>
/// Exact-match response cache (implemented in <c>Caching/</c>: bounded LRU in memory, Redis when configured).
/// The proxy asks for a key first; only deterministic requests get one.
/// </summary>
public interface IResponseCache
{
    /// <summary>The cache key of a request body for a route, or null when the request is not cacheable
    /// (temperature above 0 without a seed, <c>cache: false</c>, unparseable).</summary>
    string? KeyFor(string route, ReadOnlySpan<byte> requestBody);

    ValueTask<CachedResponse?> GetAsync(string key, CancellationToken cancellationToken);

    ValueTask SetAsync(string key, CachedResponse response, CancellationToken cancellationToken);
}
