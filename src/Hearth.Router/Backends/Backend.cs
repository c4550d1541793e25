using System.Collections.Concurrent;
using System.Net;
using Hearth.Router.Config;
using Polly;
using Polly.CircuitBreaker;

namespace Hearth.Router.Backends;

/// <summary>
/// One upstream engine at run time: its options, routing state, one pooled connection handler (reused by
/// every request; SocketsHttpHandler pools and rotates connections itself) and a Polly circuit breaker
/// around the start of each request.
/// </summary>
internal sealed class Backend : IDisposable
{
    private readonly SocketsHttpHandler handler;
    private readonly ConcurrentDictionary<string, Uri> urls = new(StringComparer.Ordinal);
    private volatile IReadOnlyList<string> discovered = [];

    public Backend(BackendOptions options, RoutingOptions routing, TimeProvider time, Func<string, string?> environment)
    {
        Options = options;
        State = new BackendState(options.Name, options.Tier, options.Weight, options.MaxConcurrency);
        UpstreamKey = RouterConfigLoader.UpstreamKey(options, environment);
        BaseUrl = options.Url.AbsoluteUri.TrimEnd('/');
        HealthPath = options.Health.Path ?? (options.Type == BackendType.Ollama ? "/api/version" : "/health");
        handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.Timeouts.Connect,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            PooledConnectionLifetime = TimeSpan.FromMinutes(10), // picks up DNS changes (Kubernetes services)
            AutomaticDecompression = DecompressionMethods.None, // bytes pass through as the backend sent them
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            EnableMultipleHttp2Connections = true,
        };
        Client = new HttpMessageInvoker(handler, disposeHandler: false);
        var circuit = routing.Circuit;
        Pipeline = new ResiliencePipelineBuilder<UpstreamAttempt> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<UpstreamAttempt>
            {
                FailureRatio = circuit.FailureRatio,
                MinimumThroughput = circuit.MinimumThroughput,
                SamplingDuration = circuit.Sampling,
                BreakDuration = circuit.Break,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result?.IsBackendFailure ?? args.Outcome.Exception is HttpRequestException),
                OnOpened = args =>
                {
                    State.OpenCircuit(time.GetUtcNow() + args.BreakDuration);
                    CircuitOpened?.Invoke(this, args.BreakDuration);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    State.CloseCircuit();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public BackendOptions Options { get; }

    public string Name => Options.Name;

    public BackendState State { get; }

    public string? UpstreamKey { get; }

    public string BaseUrl { get; }

    public string HealthPath { get; }

    public HttpMessageInvoker Client { get; }

    public ResiliencePipeline<UpstreamAttempt> Pipeline { get; }

    public event Action<Backend, TimeSpan>? CircuitOpened;

    /// <summary>Models this backend serves: the configured list, else the last discovered one.</summary>
    public IReadOnlyList<string> Models => Options.Models ?? discovered;

    public bool Discovers => Options.Models is null;

    /// <summary>Consecutive failed health checks.</summary>
    public int HealthFailures { get; set; }

    public DateTimeOffset NextHealthCheck { get; set; }

    public DateTimeOffset NextDiscovery { get; set; }

    /// <summary>Stores a newly discovered model list; true when it differs from the last one (the routing table must be rebuilt).</summary>
    public bool SetDiscovered(IReadOnlyList<string> models)
    {
        var old = discovered;
        if (old.Count == models.Count && old.SequenceEqual(models, StringComparer.Ordinal))
        {
            return false;
        }

        discovered = models;
        return true;
    }

    /// <summary>The absolute URL of a path on this backend, parsed once per path (a handful of routes) instead of per request.</summary>
    public Uri Url(string path) => urls.GetOrAdd(path, static (p, baseUrl) => new Uri(baseUrl + p), BaseUrl);

    public void Dispose()
    {
        Client.Dispose();
        handler.Dispose();
    }
}
