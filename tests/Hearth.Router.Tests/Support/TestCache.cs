using System.Collections.Concurrent;
using System.Text;
using Hearth.Router.Caching;

namespace Hearth.Router.Tests.Support;

/// <summary>A stand-in for the real response cache (Caching/, arriving at merge): a request is cacheable when its
/// body contains "temperature":0; the key is the route plus the body text.</summary>
internal sealed class TestCache : IResponseCache
{
    public ConcurrentDictionary<string, CachedResponse> Entries { get; } = new();

    public string? KeyFor(string route, ReadOnlySpan<byte> requestBody)
    {
        var text = Encoding.UTF8.GetString(requestBody);
        return text.Contains("\"temperature\":0", StringComparison.Ordinal) ? route + "|" + text : null;
    }

    public ValueTask<CachedResponse?> GetAsync(string key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Entries.TryGetValue(key, out var hit) ? hit : null);

    public ValueTask SetAsync(string key, CachedResponse response, CancellationToken cancellationToken)
    {
        Entries[key] = response;
        return ValueTask.CompletedTask;
    }
}
