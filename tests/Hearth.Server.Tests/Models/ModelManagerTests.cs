using Hearth.Server.Errors;
using Hearth.Server.Models;
using Hearth.Server.Observability;
using Hearth.Server.Tests.Support;
using Hearth.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Hearth.Server.Tests.Models;

/// <summary>Lazy loading, keep-alive expiry (fake clock, no sleeps) and the cap on loaded models.</summary>
public sealed class ModelManagerTests : IDisposable
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ServerMetrics metrics = new(() => (0, 0, 0));
    private readonly ScriptedModel model = new();
    private readonly string dir = Directory.CreateTempSubdirectory("hearth-server-tests").FullName;

    public void Dispose()
    {
        metrics.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    private ModelManager Create(int maxLoaded = 2)
    {
        var resolver = new ModelResolver(null);
        resolver.Register(SharedData.Model("llama-2-tiny-random.gguf"));
        foreach (var name in new[] { "second", "third" })
        {
            var path = Path.Combine(dir, name + ".gguf");
            File.WriteAllBytes(path, [1, 2, 3]);
            resolver.Register(path);
        }

        return new ModelManager(resolver, model, new GreedySamplers(),
            new ModelManagerOptions { KeepAlive = TimeSpan.FromMinutes(5), MaxLoadedModels = maxLoaded },
            () => metrics, NullLoggerFactory.Instance, clock);
    }

    [Fact]
    public async Task Loads_lazily_once_and_unloads_after_the_idle_keep_alive()
    {
        using var manager = Create();
        Assert.Empty(manager.Loaded());
        using (await manager.AcquireAsync("llama-2-tiny-random", null, CancellationToken.None))
        using (await manager.AcquireAsync("llama-2-tiny-random:latest", null, CancellationToken.None))
        {
            Assert.Equal(1, model.Loads);
            clock.Advance(TimeSpan.FromHours(1)); // in use: never expires
            Assert.Single(manager.Loaded());
        }

        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromMinutes(5), manager.Loaded().Single().ExpiresAt);
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Single(manager.Loaded());
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(manager.Loaded());
        Assert.True(model.Disposed);
    }

    [Fact]
    public async Task Per_request_keep_alive_overrides_the_default()
    {
        using var manager = Create();
        using (await manager.AcquireAsync("llama-2-tiny-random", TimeSpan.FromSeconds(30), CancellationToken.None))
        {
        }

        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(manager.Loaded());

        using (await manager.AcquireAsync("llama-2-tiny-random", TimeSpan.FromSeconds(-1), CancellationToken.None))
        {
        }

        clock.Advance(TimeSpan.FromDays(30));
        Assert.Null(Assert.Single(manager.Loaded()).ExpiresAt);
    }

    [Fact]
    public async Task Reuse_before_expiry_cancels_the_pending_unload()
    {
        using var manager = Create();
        using (await manager.AcquireAsync("llama-2-tiny-random", null, CancellationToken.None))
        {
        }

        clock.Advance(TimeSpan.FromMinutes(4));
        using (await manager.AcquireAsync("llama-2-tiny-random", null, CancellationToken.None))
        {
        }

        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Single(manager.Loaded());
        Assert.Equal(1, model.Loads);
    }

    [Fact]
    public async Task Loading_beyond_the_cap_evicts_the_least_recently_used_idle_model()
    {
        using var manager = Create(maxLoaded: 2);
        using (await manager.AcquireAsync("llama-2-tiny-random", null, CancellationToken.None))
        {
        }

        using (await manager.AcquireAsync("second", null, CancellationToken.None))
        {
        }

        using (await manager.AcquireAsync("third", null, CancellationToken.None))
        {
            Assert.Equal(["second", "third"], manager.Loaded().Select(l => l.Model.Name).Order());
        }
    }

    [Fact]
    public async Task Cap_reached_with_every_model_busy_is_503()
    {
        using var manager = Create(maxLoaded: 1);
        using var busy = await manager.AcquireAsync("llama-2-tiny-random", null, CancellationToken.None);
        var error = await Assert.ThrowsAsync<ApiException>(() => manager.AcquireAsync("second", null, CancellationToken.None));
        Assert.Equal(503, error.Status);
    }

    [Fact]
    public async Task Unknown_name_is_model_not_found()
    {
        using var manager = Create();
        var error = await Assert.ThrowsAsync<ApiException>(() => manager.AcquireAsync("nope", null, CancellationToken.None));
        Assert.Equal("model_not_found", error.Code);
    }
}
