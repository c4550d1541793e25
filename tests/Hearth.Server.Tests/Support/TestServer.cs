using Hearth.Server.Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Hearth.Server.Tests.Support;

/// <summary>A real Hearth server on 127.0.0.1 (Kestrel, port 0) hosted in the test process.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private TestServer(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => app.Services;

    /// <summary>Starts a server; <paramref name="configure"/> adjusts options (models default to the scripted one unless a loader is given).</summary>
    public static async Task<TestServer> StartAsync(Action<ServerOptions>? configure = null, IInferenceModelLoader? loader = null, bool greedy = false)
    {
        var options = new ServerOptions { Port = 0, DisableStore = true, ConfigureLogging = l => l.ClearProviders() };
        options.ModelLoader = loader;
        if (greedy)
        {
            options.Samplers = new GreedySamplers();
        }

        configure?.Invoke(options);
        var app = HearthServer.CreateApp(options);
        await app.StartAsync().ConfigureAwait(false);
        return new TestServer(app, HearthServer.ListeningAddress(app));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
