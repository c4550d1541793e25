using System.Net;
using Hearth.Router.Access;
using Hearth.Router.Admin;
using Hearth.Router.Backends;
using Hearth.Router.Config;
using Hearth.Router.Kubernetes;
using Hearth.Router.Observability;
using Hearth.Router.Proxy;
using Hearth.Router.Registry;
using Hearth.Router.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hearth.Router;

/// <summary>Builds the router's HTTP app: proxied OpenAI/Ollama routes, model lists, /health, /metrics.</summary>
public static class RouterHost
{
    /// <summary>Bytes over the body limit the router still reads (and drops) so its 413 arrives intact; beyond it the connection is closed.</summary>
    public const long DrainAllowance = 1024 * 1024;

    public static WebApplication CreateApp(RouterOptions options, RouterHostOptions? host = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        host ??= new RouterHostOptions();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(RouterHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        host.ConfigureLogging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes + DrainAllowance;
            kestrel.AddServerHeader = false;
            if (options.Host == "localhost")
            {
                kestrel.ListenLocalhost(options.Port);
            }
            else if (IPAddress.TryParse(options.Host, out var address))
            {
                kestrel.Listen(address, options.Port);
            }
            else
            {
                throw new ArgumentException($"--host '{options.Host}' must be an IP address or 'localhost'.", "--host");
            }
        });

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(host.TimeProvider);
        services.AddSingleton(sp => new BackendPool(options, host.TimeProvider, sp.GetService<IRouterRegistry>(), host.Environment));
        services.AddSingleton(sp => new RouterMetrics(() => sp.GetRequiredService<BackendPool>().Current, host.TimeProvider));
        services.AddSingleton(sp => new PrometheusExporter(sp.GetRequiredService<RouterMetrics>().Meter));
        services.AddSingleton(TierPlanner.Create(options.Routing));
        services.AddSingleton<ProxyHandler>();
        services.AddSingleton<HealthMonitor>();
        if (!host.DisableHealthLoop)
        {
            services.AddHostedService(sp => sp.GetRequiredService<HealthMonitor>());
        }
        else
        {
            services.AddHostedService(sp => new FirstRound(sp.GetRequiredService<HealthMonitor>()));
        }

        ConfigureAccess(services, options, host.TimeProvider);
        host.ConfigureServices?.Invoke(services);

        var app = builder.Build();
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            app.Services.GetRequiredService<PrometheusExporter>().Dispose();
            app.Services.GetRequiredService<RouterMetrics>().Dispose();
            app.Services.GetRequiredService<BackendPool>().Dispose();
        });
        var pool = app.Services.GetRequiredService<BackendPool>();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Hearth.Router");
        pool.CircuitOpened += (backend, duration) => RouterLog.CircuitOpened(log, backend.Name, duration.TotalSeconds);
        _ = app.Services.GetRequiredService<PrometheusExporter>(); // listen from the first request on
        app.Use((context, next) =>
        {
            // Every response names who answered; the proxy overwrites this with the backend's name.
            context.Response.Headers["x-hearth-backend"] = RouterErrors.RouterBackend;
            return next(context);
        });
        MapRoutes(app);
        MapAdmin(app, options);
        return app;
    }

    /// <summary>
    /// Keys, limits, the response cache and the model registry (Access/, Caching/, Registry/) over
    /// <see cref="RouterOptions.Database"/>, and Kubernetes discovery when configured. An empty database path (a host
    /// that builds <see cref="RouterOptions"/> by hand; the config loader always fills it) runs without keys, cache
    /// or registry: the proxy reads all three as optional services.
    /// </summary>
    public static void ConfigureAccess(IServiceCollection services, RouterOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        time ??= TimeProvider.System;
        if (options.Database.Length > 0)
        {
            services.AddRouterAccess(new RouterAccessOptions
            {
                DatabasePath = options.Database,
                RedisUrl = options.Redis,
                MasterKeyEnv = options.MasterKeyEnv,
                RequireKeys = options.RequireKeys,
                CacheEnabled = options.Cache.Enabled,
                CacheTtl = options.Cache.Ttl,
                CacheMaxEntries = options.Cache.MaxEntries,
                TimeProvider = time,
            });
        }

        if (options.KubernetesDiscovery is { } discovery)
        {
            // A host (a test against a scripted API server) may supply the client; otherwise in-cluster or kubeconfig.
            services.AddSingleton(sp => new KubernetesBackendDiscovery(
                sp.GetService<k8s.IKubernetes>() ?? KubernetesBackendDiscovery.CreateClient(), discovery, time, sp.GetRequiredService<ILogger<KubernetesBackendDiscovery>>()));
            services.AddHostedService(sp => new KubernetesDiscoveryService(sp.GetRequiredService<KubernetesBackendDiscovery>()));
            var stored = options.Database.Length > 0;
            services.AddSingleton<IRouterRegistry>(sp => new DiscoveredRegistry(
                stored ? sp.GetRequiredService<SqliteRouterRegistry>() : null, sp.GetRequiredService<KubernetesBackendDiscovery>()));
        }
    }

    /// <summary>The admin API (/admin/keys, /admin/models, /admin/backends), when the access layer is on.</summary>
    public static void MapAdmin(WebApplication app, RouterOptions options)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Database.Length > 0)
        {
            app.MapRouterAdmin();
        }
    }

    /// <summary>The first address the started app listens on, e.g. http://127.0.0.1:53121 (port 0 resolved).</summary>
    public static Uri ListeningAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("The router has no addresses; start it first.");
        return new Uri(addresses.First());
    }

    private static void MapRoutes(WebApplication app)
    {
        var proxy = app.Services.GetRequiredService<ProxyHandler>();
        foreach (var route in ProxyRoute.All)
        {
            app.MapPost(route.Path, context => proxy.HandleAsync(context, route));
        }

        app.MapGet("/v1/models", ModelRoutes.OpenAIAsync);
        app.MapGet("/api/tags", ModelRoutes.OllamaAsync);
        app.MapGet("/health", ModelRoutes.HealthAsync);
        app.MapGet("/metrics", (HttpContext context, PrometheusExporter exporter) =>
        {
            context.Response.ContentType = PrometheusExporter.ContentType;
            return context.Response.WriteAsync(exporter.Render(), context.RequestAborted);
        });
        app.MapFallback(context => RouterErrors.WriteAsync(context, 404, "invalid_request_error", "unknown_route", null,
            $"Unknown route {context.Request.Method} {context.Request.Path}."));
    }

    /// <summary>With the health loop off, still run one round before listening.</summary>
    private sealed class FirstRound(HealthMonitor monitor) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => monitor.CheckDueAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
