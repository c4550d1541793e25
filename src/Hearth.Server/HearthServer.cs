using System.Net;
using Hearth.Server.Errors;
using Hearth.Server.Inference;
using Hearth.Server.Json;
using Hearth.Server.Models;
using Hearth.Server.Observability;
using Hearth.Server.Ollama;
using Hearth.Server.OpenAI;
using Hearth.Server.Operations;
using Hearth.Server.Security;
using Hearth.Server.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hearth.Server;

/// <summary>Builds the Hearth HTTP server: OpenAI and Ollama APIs, web chat, health, metrics, OpenAPI.</summary>
public static class HearthServer
{
    /// <summary>Creates the app (not yet started). Fails fast on bad options or a --model that does not exist.</summary>
    public static WebApplication CreateApp(ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var time = options.TimeProvider;
        var catalog = options.Catalog ?? (options.DisableStore ? null : DefaultCatalog.Create(options.StoreDirectory));
        var resolver = new ModelResolver(catalog);
        foreach (var model in options.Models)
        {
            resolver.Register(model);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(HearthServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        options.ConfigureLogging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
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

        ModelManager? manager = null;
        var metrics = new ServerMetrics(() => manager?.State() ?? (0, 0, 0));
        var exporter = new PrometheusExporter(metrics.Meter);
        ILoggerFactory? loggerFactory = null;
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(sp =>
        {
            loggerFactory = sp.GetRequiredService<ILoggerFactory>();
            manager = new ModelManager(
                resolver,
                options.ModelLoader ?? new EngineModelLoader(),
                options.Samplers ?? new EngineSamplerFactory(),
                new ModelManagerOptions
                {
                    Parallel = options.Parallel,
                    ContextLength = options.ContextLength,
                    Threads = options.Threads,
                    KeepAlive = options.KeepAlive,
                    MaxLoadedModels = options.MaxLoadedModels,
                    QueueCapacity = options.QueueCapacity,
                    MaxBatchTokens = options.MaxBatchTokens,
                    PrefillChunk = options.PrefillChunk,
                    ChatTemplate = options.ChatTemplate,
                    ModelChatTemplates = new Dictionary<string, string>(options.ModelChatTemplates, StringComparer.Ordinal),
                    ModelDefaults = new Dictionary<string, ModelDefaults>(options.ModelDefaults, StringComparer.Ordinal),
                },
                () => metrics,
                loggerFactory,
                time);
            return manager;
        });
        builder.Services.AddSingleton<ServerState>();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            var api = ApiJson.Options;
            json.SerializerOptions.PropertyNamingPolicy = api.PropertyNamingPolicy;
            json.SerializerOptions.DefaultIgnoreCondition = api.DefaultIgnoreCondition;
        });
        builder.Services.AddOpenApi();
        if (options.CorsOrigins.Count > 0)
        {
            builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy =>
                policy.WithOrigins([.. options.CorsOrigins]).AllowAnyHeader().AllowAnyMethod()));
        }

        var app = builder.Build();
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            manager?.Dispose();
            (catalog as IDisposable)?.Dispose();
            exporter.Dispose();
            metrics.Dispose();
        });
        app.UseMiddleware<ErrorMiddleware>();
        app.UseRouting();
        if (options.CorsOrigins.Count > 0)
        {
            app.UseCors();
        }

        if (options.ApiKey is { } key)
        {
            app.UseMiddleware<ApiKeyMiddleware>(key);
        }

        OpenAIRoutes.Map(app);
        OllamaRoutes.Map(app);
        OperationsRoutes.Map(app, exporter);
        ChatPageRoutes.Map(app);
        app.MapOpenApi();
        _ = app.Services.GetRequiredService<ModelManager>();
        return app;
    }

    /// <summary>The first address the started app listens on, e.g. http://127.0.0.1:53121 (port 0 resolved).</summary>
    public static Uri ListeningAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("The server has no addresses; start it first.");
        return new Uri(addresses.First());
    }
}
