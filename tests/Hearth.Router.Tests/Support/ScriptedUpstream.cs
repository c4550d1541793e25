using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hearth.Router.Tests.Support;

/// <summary>A request the scripted upstream received: path, exact body bytes, headers.</summary>
internal sealed record Received(string Path, byte[] Body, IReadOnlyDictionary<string, string> Headers)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// An OpenAI-compatible upstream on a real loopback Kestrel whose answers the test scripts: normal JSON and SSE,
/// or the faults a real engine cannot be made to show on demand (500, 429, a slow first byte, a hang, a stream cut
/// off mid-way). /health answers 200 unless <see cref="Healthy"/> is false; every POST goes to <see cref="Handler"/>.
/// </summary>
internal sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly WebApplication app;

    private ScriptedUpstream(WebApplication app) => this.app = app;

    public Uri Address { get; private set; } = null!;

    public ConcurrentQueue<Received> Requests { get; } = new();

    public volatile bool Healthy = true;

    public Func<HttpContext, Received, Task> Handler { get; set; } = (c, r) => Json(c, ChatCompletion("hello", r));

    public IReadOnlyList<string> Models { get; set; } = ["m"];

    /// <summary>What GET /metrics answers (Prometheus text), for load-aware routing.</summary>
    public string MetricsText { get; set; } = string.Empty;

    public static async Task<ScriptedUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var upstream = new ScriptedUpstream(app);
        app.MapGet("/health", (HttpContext c) => upstream.Healthy ? Results.Ok(new { status = "ok" }) : Results.StatusCode(503));
        app.MapGet("/v1/models", () => Results.Json(new { @object = "list", data = upstream.Models.Select(m => new { id = m, @object = "model" }) }));
        app.MapGet("/api/tags", () => Results.Json(new { models = upstream.Models.Select(m => new { name = m, model = m }) }));
        app.MapGet("/metrics", () => Results.Text(upstream.MetricsText, "text/plain"));
        app.MapGet("/api/version", () => Results.Json(new { version = "0.0.0" }));
        app.MapPost("/{**path}", async (HttpContext c) =>
        {
            using var body = new MemoryStream();
            await c.Request.Body.CopyToAsync(body);
            var received = new Received(c.Request.Path, body.ToArray(), c.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()));
            upstream.Requests.Enqueue(received);
            await upstream.Handler(c, received);
        });
        await app.StartAsync();
        upstream.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return upstream;
    }

    public static string ChatCompletion(string content, Received request, int prompt = 3, int completion = 2) =>
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + content
        + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion + ",\"total_tokens\":" + (prompt + completion) + "}}";

    public static async Task Json(HttpContext context, string json, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json);
    }

    /// <summary>SSE events written and flushed one by one, with an optional wait before each.</summary>
    public static async Task Sse(HttpContext context, IEnumerable<string> events, Func<int, Task>? before = null)
    {
        context.Response.ContentType = "text/event-stream";
        var i = 0;
        foreach (var e in events)
        {
            if (before is not null)
            {
                await before(i);
            }

            await context.Response.WriteAsync("data: " + e + "\n\n");
            await context.Response.Body.FlushAsync();
            i++;
        }
    }

    public static string Chunk(string content) =>
        $$"""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"{{content}}"},"finish_reason":null}]}""";

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
