using Hearth.Router.Config;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Router.Tests.Support;

/// <summary>The router host, in process, on a real loopback port: configured from YAML like the CLI does.</summary>
internal sealed class RunningRouter : IAsyncDisposable
{
    private readonly string? ownDatabase;

    private RunningRouter(WebApplication app, Uri address, string? ownDatabase)
    {
        this.ownDatabase = ownDatabase;
        App = app;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public static async Task<RunningRouter> StartAsync(string yaml, Action<IServiceCollection>? services = null,
        IReadOnlyDictionary<string, string>? environment = null, TimeProvider? time = null)
    {
        // Each router gets its own database (keys, registry) unless the test shares one on purpose.
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>());
        var ownDatabase = Path.Combine(Path.GetTempPath(), $"hearth-router-test-{Guid.NewGuid():N}.db");
        if (!env.TryAdd("SQLITE_DB_PATH", ownDatabase))
        {
            ownDatabase = null; // the test's own file: the test deletes it
        }

        var options = RouterConfigLoader.Load(yaml, "test.yaml", name => env.GetValueOrDefault(name));
        options.Port = 0;
        var app = RouterHost.CreateApp(options, new RouterHostOptions
        {
            ConfigureServices = services,
            Environment = name => env.GetValueOrDefault(name),
            TimeProvider = time ?? TimeProvider.System,
            ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Warning).ClearProviders(),
        });
        await app.StartAsync();
        return new RunningRouter(app, RouterHost.ListeningAddress(app), ownDatabase);
    }

    public static string Backend(string name, Uri url, string extra = "") =>
        $"""
          - name: {name}
            url: {url}
            models: [m]
            health: {"{"}period: 1h{"}"}
            timeouts: {"{"}first_byte: 2s, idle: 2s{"}"}
        {extra}
        """;

    /// <summary>Polls /v1/models until the model is offered (engines on a busy machine can miss the first health round).</summary>
    public async Task WaitForModelAsync(string model)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var list = await Http.GetStringAsync(new Uri("/v1/models", UriKind.Relative));
            if (list.Contains($"\"id\":\"{model}\"", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"model {model} never appeared in /v1/models");
    }

    /// <summary>Polls /health until <paramref name="count"/> backends report healthy.</summary>
    public async Task WaitForHealthyAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await Http.GetAsync(new Uri("/health", UriKind.Relative));
            var health = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            if (health["backends"]!.AsArray().Count(b => (bool)b!["healthy"]! && !(bool)b["circuit_open"]!) >= count)
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{count} healthy backends never showed in /health");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        if (ownDatabase is not null)
        {
            foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
            {
                File.Delete(ownDatabase + suffix); // on Linux an unlinked file stays usable by a handle still open
            }
        }
    }
}
