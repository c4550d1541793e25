using System.Buffers.Binary;
using System.Text;
using Hearth.Router.Access;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Hearth.Router.Caching;

/// <summary>
/// The cache in Redis, shared by router replicas: <c>SET key value PX ttl</c> and <c>GET</c>. Redis
/// expires entries itself; its own maxmemory policy bounds the size. An unreachable Redis makes every
/// lookup a miss and every store a no-op (logged once per outage), never a failed request.
/// </summary>
internal sealed class RedisResponseCache : IResponseCache
{
    private const byte FormatVersion = 1;
    private readonly IConnectionMultiplexer redis;
    private readonly TimeSpan ttl;
    private readonly ILogger logger;
    private int down;

    public RedisResponseCache(IConnectionMultiplexer redis, TimeSpan ttl, ILogger logger)
    {
        this.redis = redis;
        this.ttl = ttl;
        this.logger = logger;
    }

    public string? KeyFor(string route, ReadOnlySpan<byte> requestBody) => CacheKey.For(route, requestBody);

    public async ValueTask<CachedResponse?> GetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var value = await redis.GetDatabase().StringGetAsync(key).ConfigureAwait(false);
            Volatile.Write(ref down, 0);
            return value.IsNull ? null : Decode(value!);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Failed(ex);
            return null;
        }
    }

    public async ValueTask SetAsync(string key, CachedResponse response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        try
        {
            await redis.GetDatabase().StringSetAsync(key, Encode(response), ttl).ConfigureAwait(false);
            Volatile.Write(ref down, 0);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Failed(ex);
        }
    }

    // [version][status int32][content-type length int32][content-type][backend length int32][backend][body...]
    internal static byte[] Encode(CachedResponse r)
    {
        var type = Encoding.UTF8.GetBytes(r.ContentType);
        var backend = Encoding.UTF8.GetBytes(r.Backend);
        var buffer = new byte[1 + 4 + 4 + type.Length + 4 + backend.Length + r.Body.Length];
        var span = buffer.AsSpan();
        span[0] = FormatVersion;
        BinaryPrimitives.WriteInt32LittleEndian(span[1..], r.StatusCode);
        BinaryPrimitives.WriteInt32LittleEndian(span[5..], type.Length);
        type.CopyTo(span[9..]);
        var at = 9 + type.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], backend.Length);
        backend.CopyTo(span[(at + 4)..]);
        r.Body.CopyTo(span[(at + 4 + backend.Length)..]);
        return buffer;
    }

    internal static CachedResponse? Decode(byte[] buffer)
    {
        var span = buffer.AsSpan();
        if (span.Length < 13 || span[0] != FormatVersion)
        {
            return null; // written by another version: a miss, and the next store overwrites it
        }

        var status = BinaryPrimitives.ReadInt32LittleEndian(span[1..]);
        var typeLength = BinaryPrimitives.ReadInt32LittleEndian(span[5..]);
        if (typeLength < 0 || 9 + typeLength + 4 > span.Length)
        {
            return null;
        }

        var type = Encoding.UTF8.GetString(span.Slice(9, typeLength));
        var at = 9 + typeLength;
        var backendLength = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
        if (backendLength < 0 || at + 4 + backendLength > span.Length)
        {
            return null;
        }

        var backend = Encoding.UTF8.GetString(span.Slice(at + 4, backendLength));
        return new CachedResponse(status, type, span[(at + 4 + backendLength)..].ToArray(), backend);
    }

    private void Failed(Exception ex)
    {
        if (Interlocked.Exchange(ref down, 1) == 0)
        {
            AccessLog.RedisCacheDown(logger, ex.GetType().Name + ": " + ex.Message);
        }
    }
}
