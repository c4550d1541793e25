namespace Hearth.Router.Caching;

/// <summary>
/// A bounded LRU in process memory: at most <c>maxEntries</c> entries and <c>maxBytes</c> bytes
/// (bodies plus a fixed per-entry estimate), least recently used evicted first, each entry dropped
/// when its TTL (measured with the injected <see cref="TimeProvider"/>) has passed. One lock guards the
/// list and map; a get or set holds it for a dictionary probe and a few pointer moves.
/// </summary>
public sealed class MemoryResponseCache : IResponseCache
{
    private const int EntryOverhead = 256; // key, record and node headers: an estimate, so tiny bodies still count
    private readonly Dictionary<string, LinkedListNode<Entry>> map = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> order = new(); // first = most recently used
    private readonly Lock gate = new();
    private readonly TimeSpan ttl;
    private readonly int maxEntries;
    private readonly long maxBytes;
    private readonly TimeProvider time;
    private long bytes;

    public MemoryResponseCache(TimeSpan ttl, int maxEntries, long maxBytes, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        ArgumentNullException.ThrowIfNull(time);
        this.ttl = ttl;
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.time = time;
    }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return map.Count;
            }
        }
    }

    public long Bytes
    {
        get
        {
            lock (gate)
            {
                return bytes;
            }
        }
    }

    public string? KeyFor(string route, ReadOnlySpan<byte> requestBody) => CacheKey.For(route, requestBody);

    public ValueTask<CachedResponse?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var now = time.GetUtcNow();
        lock (gate)
        {
            if (!map.TryGetValue(key, out var node))
            {
                return ValueTask.FromResult<CachedResponse?>(null);
            }

            if (node.Value.Expires <= now)
            {
                Remove(node);
                return ValueTask.FromResult<CachedResponse?>(null);
            }

            order.Remove(node);
            order.AddFirst(node);
            return ValueTask.FromResult<CachedResponse?>(node.Value.Response);
        }
    }

    public ValueTask SetAsync(string key, CachedResponse response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(response);
        var size = response.Body.LongLength + key.Length + response.ContentType.Length + response.Backend.Length + EntryOverhead;
        if (size > maxBytes)
        {
            return ValueTask.CompletedTask; // larger than the whole cache: never stored
        }

        var entry = new Entry(key, response, time.GetUtcNow() + ttl, size);
        lock (gate)
        {
            if (map.TryGetValue(key, out var old))
            {
                Remove(old);
            }

            map[key] = order.AddFirst(entry);
            bytes += size;
            while (map.Count > maxEntries || bytes > maxBytes)
            {
                Remove(order.Last!);
            }
        }

        return ValueTask.CompletedTask;
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        order.Remove(node);
        map.Remove(node.Value.Key);
        bytes -= node.Value.Size;
    }

    private sealed record Entry(string Key, CachedResponse Response, DateTimeOffset Expires, long Size);
}
