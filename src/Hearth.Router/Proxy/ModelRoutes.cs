using System.Text.Json;
using Hearth.Router.Backends;
using Microsoft.AspNetCore.Http;

namespace Hearth.Router.Proxy;

/// <summary>/v1/models and /api/tags (the union of what available backends serve, aliases included) and /health.</summary>
internal static class ModelRoutes
{
    public static async Task OpenAIAsync(HttpContext context, BackendPool pool, TimeProvider time)
    {
        var names = Available(pool.Current, time.GetUtcNow());
        await Write(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            foreach (var (name, owner) in names)
            {
                w.WriteStartObject();
                w.WriteString("id", name);
                w.WriteString("object", "model");
                w.WriteNumber("created", 0);
                w.WriteString("owned_by", owner);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    public static async Task OllamaAsync(HttpContext context, BackendPool pool, TimeProvider time)
    {
        var names = Available(pool.Current, time.GetUtcNow());
        await Write(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("models");
            foreach (var (name, _) in names)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteString("model", name);
                w.WriteString("modified_at", "1970-01-01T00:00:00Z");
                w.WriteNumber("size", 0);
                w.WriteString("digest", string.Empty);
                w.WriteStartObject("details");
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>200 when at least one backend is available (healthy, circuit closed), else 503; lists each backend.</summary>
    public static async Task HealthAsync(HttpContext context, BackendPool pool, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var backends = pool.Current.Backends;
        var ready = backends.Any(b => b.State.Available(now));
        await Write(context, ready ? 200 : 503, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", ready ? "ok" : "no_backend_available");
            w.WriteStartArray("backends");
            foreach (var b in backends)
            {
                w.WriteStartObject();
                w.WriteString("name", b.Name);
                w.WriteBoolean("healthy", b.State.Healthy);
                w.WriteBoolean("circuit_open", b.State.CircuitOpen(now));
                w.WriteNumber("in_flight", b.State.InFlight);
                w.WriteString("tier", b.Options.Tier.ToString().ToLowerInvariant());
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static List<(string Name, string Owner)> Available(RoutingTable table, DateTimeOffset now) =>
        [.. table.Models
            .Select(p => (p.Key, Backend: p.Value.FirstOrDefault(c => c.Backend.Available(now))?.Backend.Name))
            .Where(p => p.Backend is not null)
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => (p.Key, p.Backend!))];

    private static async Task Write(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-hearth-backend"] = RouterErrors.RouterBackend;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }

        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }
}
