using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Store.Tests;

/// <summary>One request the test server saw.</summary>
internal sealed record SeenRequest(string Path, string? Range, string? Authorization);

/// <summary>
/// A real HTTP server on 127.0.0.1 (Kestrel, ephemeral port) serving files with Range support at
/// <c>/files/{name}</c> and <c>/{owner}/{repo}/resolve/main/{file}</c>, and fake hub API JSON at
/// <c>/api/models/{owner}/{repo}</c>. Switches make it ignore Range or cut a response short.
/// </summary>
internal sealed class TestFileServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private TestFileServer(WebApplication app)
    {
        this.app = app;
    }

    public Uri BaseUri { get; private set; } = null!;

    public ConcurrentDictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>Repository id "owner/repo" to the JSON the hub API returns for it.</summary>
    public ConcurrentDictionary<string, string> HubRepos { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    /// <summary>Answer 200 with the whole file even when a Range was asked for.</summary>
    public bool IgnoreRange { get; set; }

    /// <summary>When set, responses announce the full length but the connection is aborted after this many body bytes.</summary>
    public int? AbortAfterBytes { get; set; }

    /// <summary>When set, responses announce the full length, send this many body bytes, then wait until the client goes away.</summary>
    public int? StallAfterBytes { get; set; }

    public Uri FileUrl(string name) => new(BaseUri, "files/" + name);

    public static async Task<TestFileServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new TestFileServer(app);
        server.MapRoutes(); // before start: the pipeline is built when the server starts
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUri = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    private void MapRoutes()
    {
        app.Use(async (context, next) =>
        {
            Requests.Enqueue(new SeenRequest(
                Uri.UnescapeDataString(context.Request.Path.Value ?? ""),
                context.Request.Headers.Range.ToString() is { Length: > 0 } r ? r : null,
                context.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null));
            await next(context);
        });
        app.MapGet("/files/{name}", (HttpContext context, string name) => ServeAsync(context, name));
        app.MapGet("/{owner}/{repo}/resolve/main/{**file}", (HttpContext context, string file) => ServeAsync(context, file));
        app.MapGet("/api/models/{owner}/{repo}", (string owner, string repo) =>
            HubRepos.TryGetValue(owner + "/" + repo, out var json)
                ? Results.Content(json, "application/json")
                : Results.NotFound());
    }

    private async Task ServeAsync(HttpContext context, string name)
    {
        if (!Files.TryGetValue(name, out var bytes))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (AbortAfterBytes is { } cut)
        {
            context.Response.ContentLength = bytes.Length;
            await context.Response.Body.WriteAsync(bytes.AsMemory(0, Math.Min(cut, bytes.Length)));
            await context.Response.Body.FlushAsync();
            context.Abort();
            return;
        }

        if (StallAfterBytes is { } stall)
        {
            context.Response.ContentLength = bytes.Length;
            await context.Response.Body.WriteAsync(bytes.AsMemory(0, Math.Min(stall, bytes.Length)));
            await context.Response.Body.FlushAsync();
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }

            return;
        }

        if (IgnoreRange)
        {
            context.Response.ContentLength = bytes.Length;
            await context.Response.Body.WriteAsync(bytes);
            return;
        }

        await Results.File(bytes, "application/octet-stream", enableRangeProcessing: true).ExecuteAsync(context);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>Collects progress reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
internal sealed class ProgressLog : IProgress<PullProgress>
{
    private readonly Action<PullProgress>? onReport;

    public ProgressLog(Action<PullProgress>? onReport = null) => this.onReport = onReport;

    public List<PullProgress> Reports { get; } = [];

    public void Report(PullProgress value)
    {
        lock (Reports)
        {
            Reports.Add(value);
        }

        onReport?.Invoke(value);
    }
}
