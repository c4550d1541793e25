using Hearth.Server.Json;
using Hearth.Server.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hearth.Server.Operations;

internal sealed record HealthResponse(string Status, int ModelsLoaded, int ActiveSlots, int QueueDepth);

/// <summary>/health (503 while a model loads), /metrics (Prometheus text).</summary>
internal static class OperationsRoutes
{
    public static void Map(IEndpointRouteBuilder app, PrometheusExporter exporter)
    {
        app.MapGet("/health", HealthAsync).Produces<HealthResponse>().Produces<HealthResponse>(503).WithTags("operations");
        app.MapGet("/metrics", new Func<HttpContext, Task>(context =>
        {
            context.Response.ContentType = PrometheusExporter.ContentType;
            return context.Response.WriteAsync(exporter.Render(), context.RequestAborted);
        })).Produces<string>(200, "text/plain").WithTags("operations");
    }

    private static Task HealthAsync(HttpContext context, ServerState server)
    {
        var loading = server.Models.IsLoading;
        var (queue, active, loaded) = server.Models.State();
        context.Response.StatusCode = loading ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        return context.Response.WriteAsJsonAsync(new HealthResponse(loading ? "loading" : "ok", loaded, active, queue), ApiJson.Options, context.RequestAborted);
    }
}
