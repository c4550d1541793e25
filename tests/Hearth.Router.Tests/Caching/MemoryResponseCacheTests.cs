using Hearth.Router.Caching;
using Microsoft.Extensions.Time.Testing;

namespace Hearth.Router.Tests.Caching;

public sealed class MemoryResponseCacheTests
{
    private readonly FakeTimeProvider time = new();

    private static CachedResponse Response(int size, string backend = "gpu") => new(200, "application/json", new byte[size], backend);

    [Fact]
    public async Task Entries_live_for_the_ttl_then_miss()
    {
        var cache = new MemoryResponseCache(TimeSpan.FromMinutes(10), 100, 1 << 20, time);
        var stored = new CachedResponse(200, "text/event-stream", "data: {}\n\ndata: [DONE]\n\n"u8.ToArray(), "gpu");
        await cache.SetAsync("k", stored, default);

        time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1));
        Assert.Same(stored, await cache.GetAsync("k", default));
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Null(await cache.GetAsync("k", default));
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public async Task The_least_recently_used_entry_goes_first_when_the_entry_bound_is_reached()
    {
        var cache = new MemoryResponseCache(TimeSpan.FromMinutes(10), 3, 1 << 20, time);
        foreach (var k in new[] { "a", "b", "c" })
        {
            await cache.SetAsync(k, Response(10), default);
        }

        Assert.NotNull(await cache.GetAsync("a", default)); // a is now the most recent; b the least
        await cache.SetAsync("d", Response(10), default);

        Assert.Null(await cache.GetAsync("b", default));
        Assert.NotNull(await cache.GetAsync("a", default));
        Assert.NotNull(await cache.GetAsync("c", default));
        Assert.NotNull(await cache.GetAsync("d", default));
        Assert.Equal(3, cache.Count);
    }

    [Fact]
    public async Task The_byte_bound_evicts_and_a_response_larger_than_the_cache_is_not_stored()
    {
        var cache = new MemoryResponseCache(TimeSpan.FromMinutes(10), 1000, 10_000, time);
        await cache.SetAsync("a", Response(4000), default);
        await cache.SetAsync("b", Response(4000), default);
        await cache.SetAsync("c", Response(4000), default); // over 10,000 bytes: a goes

        Assert.Null(await cache.GetAsync("a", default));
        Assert.NotNull(await cache.GetAsync("b", default));
        Assert.True(cache.Bytes <= 10_000);

        await cache.SetAsync("huge", Response(20_000), default);
        Assert.Null(await cache.GetAsync("huge", default));
        Assert.NotNull(await cache.GetAsync("c", default)); // nothing was evicted for it
    }

    [Fact]
    public async Task Storing_a_key_again_replaces_it_without_double_counting()
    {
        var cache = new MemoryResponseCache(TimeSpan.FromMinutes(1), 10, 1 << 20, time);
        await cache.SetAsync("k", Response(100, "a"), default);
        var bytes = cache.Bytes;
        await cache.SetAsync("k", Response(100, "b"), default);
        Assert.Equal(bytes, cache.Bytes);
        Assert.Equal("b", (await cache.GetAsync("k", default))!.Backend);
    }
}
