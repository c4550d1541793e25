using Hearth.Router.Access;
using Hearth.Router.Caching;
using Hearth.Router.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Hearth.Router.Tests.Caching;

public sealed class RedisResponseCacheTests
{
    [Fact]
    public async Task Responses_round_trip_with_a_PX_ttl_and_an_outage_is_a_miss_not_an_error()
    {
        await using var redis = await RedisServer.LaunchAsync();
        using var connection = await ConnectionMultiplexer.ConnectAsync(RedisConnection.Options(redis.Url));
        var cache = new RedisResponseCache(connection, TimeSpan.FromMinutes(10), NullLogger.Instance);
        var body = "data: {\"choices\":[]}\n\ndata: [DONE]\n\n"u8.ToArray();
        var key = cache.KeyFor("/v1/chat/completions", """{"model":"m","temperature":0,"stream":true}"""u8)!;

        Assert.Null(await cache.GetAsync(key, default));
        await cache.SetAsync(key, new CachedResponse(200, "text/event-stream", body, "gpu-cluster"), default);

        var hit = await cache.GetAsync(key, default);
        Assert.NotNull(hit);
        Assert.Equal(200, hit.StatusCode);
        Assert.Equal("text/event-stream", hit.ContentType);
        Assert.Equal("gpu-cluster", hit.Backend);
        Assert.Equal(body, hit.Body);
        var ttl = long.Parse((await redis.CommandAsync("PTTL " + key))![1..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(ttl, 1, 600_000);

        await redis.StopAsync();
        Assert.Null(await cache.GetAsync(key, default));
        await cache.SetAsync(key, new CachedResponse(200, "application/json", body, "x"), default);
    }

    [Fact]
    public void Corrupt_or_foreign_values_decode_as_a_miss()
    {
        Assert.Null(RedisResponseCache.Decode([]));
        Assert.Null(RedisResponseCache.Decode([9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
        Assert.Null(RedisResponseCache.Decode([1, 200, 0, 0, 0, 255, 255, 0, 0, 0, 0, 0, 0]));
        var ok = RedisResponseCache.Encode(new CachedResponse(404, "a/b", [1, 2], "be"));
        Assert.Equal([1, 2], RedisResponseCache.Decode(ok)!.Body);
    }
}
