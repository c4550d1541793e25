using System.Text.Json;
using Hearth.Router.Config;
using Hearth.Router.Observability;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hearth.Router.Backends;

/// <summary>
/// Active checks, one round per tick: each due backend gets GET its health path (failure_threshold failures
/// in a row mark it down, one success up), backends without a <c>models</c> list are asked for theirs, and
/// with load-aware routing each backend's /metrics is scraped. The first round runs before the router
/// starts listening, so its first requests and /health already know which backends are up.
/// </summary>
internal sealed class HealthMonitor(BackendPool pool, RouterOptions options, TimeProvider time, ILogger<HealthMonitor> logger) : BackgroundService
{
    /// <summary>How often the loop wakes to see which backends are due; each backend keeps its own period.</summary>
    public TimeSpan Tick { get; } = options.Backends.Count == 0 ? TimeSpan.FromSeconds(1)
        : TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, options.Backends.Min(b => b.Health.Period).Ticks));

    /// <summary>A model list can take an engine longer than a health probe (a store to open on first call).</summary>
    public static readonly TimeSpan DiscoveryTimeout = TimeSpan.FromSeconds(15);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await CheckDueAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One round over every backend that is due (all of them on the first call).</summary>
    public async Task CheckDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var table = pool.Current;
        var changed = await Task.WhenAll(table.Backends.Select(b => CheckAsync(b, now, cancellationToken))).ConfigureAwait(false);
        if (changed.Any(c => c))
        {
            pool.Rebuild();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await CheckDueAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    /// <summary>Checks one backend if due; true when its model list changed.</summary>
    private async Task<bool> CheckAsync(Backend backend, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var changed = false;
        if (now >= backend.NextHealthCheck)
        {
            // The very first check has no history to smooth over: a backend that is down at start is down at once.
            var first = backend.NextHealthCheck == default;
            backend.NextHealthCheck = now + backend.Options.Health.Period;
            var (ok, reason) = await ProbeAsync(backend, cancellationToken).ConfigureAwait(false);
            if (ok)
            {
                backend.HealthFailures = 0;
                if (!backend.State.Healthy)
                {
                    backend.State.Healthy = true;
                    RouterLog.BackendUp(logger, backend.Name);
                }
            }
            else if ((++backend.HealthFailures >= backend.Options.Health.FailureThreshold || first) && backend.State.Healthy)
            {
                backend.State.Healthy = false;
                RouterLog.BackendDown(logger, backend.Name, reason);
            }
        }

        if (backend.Discovers && backend.State.Healthy && now >= backend.NextDiscovery)
        {
            var (ok, listChanged) = await DiscoverAsync(backend, cancellationToken).ConfigureAwait(false);
            changed = listChanged;

            // A failed discovery is retried at the next health tick, not a whole discovery period later.
            backend.NextDiscovery = now + (ok ? options.DiscoveryPeriod : backend.Options.Health.Period);
        }

        if (options.Routing.Strategy == RoutingStrategyKind.LoadAware && backend.Options.Type == BackendType.OpenAI && backend.State.Healthy)
        {
            await ScrapeAsync(backend, cancellationToken).ConfigureAwait(false);
        }

        return changed;
    }

    private async Task<(bool Ok, string Reason)> ProbeAsync(Backend backend, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await GetAsync(backend, backend.HealthPath, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? (true, string.Empty) : (false, $"{backend.HealthPath} answered {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (false, e is OperationCanceledException ? $"no answer within {backend.Options.Health.Timeout.TotalSeconds} s" : e.Message);
        }
    }

    private async Task<(bool Ok, bool Changed)> DiscoverAsync(Backend backend, CancellationToken cancellationToken)
    {
        var ollama = backend.Options.Type == BackendType.Ollama;
        try
        {
            using var response = await GetAsync(backend, ollama ? "/api/tags" : "/v1/models", cancellationToken, DiscoveryTimeout).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            using var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
            var list = json.RootElement.GetProperty(ollama ? "models" : "data");
            var names = list.EnumerateArray()
                .Select(m => m.TryGetProperty(ollama ? "name" : "id", out var id) ? id.GetString() : null)
                .OfType<string>()
                .ToList();
            if (backend.SetDiscovered(names))
            {
                RouterLog.Discovered(logger, backend.Name, string.Join(", ", names));
                return (true, true);
            }

            return (true, false);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException
            or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            RouterLog.DiscoveryFailed(logger, backend.Name, e.Message);
        }

        return (false, false);
    }

    private async Task ScrapeAsync(Backend backend, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await GetAsync(backend, "/metrics", cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                backend.State.Load = LoadSample.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            backend.State.Load = LoadSample.Unknown; // an engine whose metrics we cannot read is judged by in-flight alone
        }
    }

    private async Task<HttpResponseMessage> GetAsync(Backend backend, string path, CancellationToken cancellationToken, TimeSpan? limit = null)
    {
        using var timeout = new CancellationTokenSource(limit ?? backend.Options.Health.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, backend.Url(path));
        if (backend.UpstreamKey is { } key)
        {
            request.Headers.Authorization = new("Bearer", key);
        }

        var response = await backend.Client.SendAsync(request, linked.Token).ConfigureAwait(false);
        try
        {
            await response.Content.LoadIntoBufferAsync(linked.Token).ConfigureAwait(false);
        }
        catch
        {
            response.Dispose();
            throw;
        }

        return response;
    }
}
