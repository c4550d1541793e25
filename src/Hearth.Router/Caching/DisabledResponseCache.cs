namespace Hearth.Router.Caching;

/// <summary>The cache when <c>CacheEnabled</c> is false: no request is cacheable.</summary>
internal sealed class DisabledResponseCache : IResponseCache
{
    public string? KeyFor(string route, ReadOnlySpan<byte> requestBody) => null;

    public ValueTask<CachedResponse?> GetAsync(string key, CancellationToken cancellationToken) => ValueTask.FromResult<CachedResponse?>(null);

    public ValueTask SetAsync(string key, CachedResponse response, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
