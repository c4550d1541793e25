using System.Text.Json;
using Hearth.Instances.Api;
using Hearth.Instances.Supervision;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hearth.Instances.Proxy;

/// <summary>
/// One OpenAI endpoint in front of every model-server instance, as llama-swap: the request's "model" picks the
/// instance (started on demand), the request goes there unchanged. /v1/models lists what the instances serve.
/// </summary>
internal static class OpenAiRouter
{
    public static void Map(IEndpointRouteBuilder app, Supervisor supervisor, InstanceProxy proxy)
    {
        app.MapGet("/v1/models", () => Results.Json(new
        {
            @object = "list",
            data = supervisor.List().SelectMany(s => s.Spec.ServedModels().Select(m => new { id = m, @object = "model", owned_by = "hearth", instance = s.Name, state = s.State.ToString().ToLowerInvariant() })),
        }));
        foreach (var route in new[] { "/v1/chat/completions", "/v1/completions", "/v1/embeddings" })
        {
            app.MapPost(route, (HttpContext context) => RouteAsync(context, supervisor, proxy));
        }
    }

    private static async Task RouteAsync(HttpContext context, Supervisor supervisor, InstanceProxy proxy)
    {
        context.Request.EnableBuffering();
        string? model;
        try
        {
            using var doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            model = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        }
        catch (JsonException ex)
        {
            await ApiErrors.WriteAsync(context, 400, "invalid JSON body: " + ex.Message, "invalid_request_error", "invalid_json").ConfigureAwait(false);
            return;
        }

        if (string.IsNullOrEmpty(model))
        {
            await ApiErrors.WriteAsync(context, 400, "the request must name a model", "invalid_request_error", "model_required").ConfigureAwait(false);
            return;
        }

        if (supervisor.FindByModel(model) is not { } name)
        {
            await ApiErrors.WriteAsync(context, 404, $"no instance serves model '{model}'", "invalid_request_error", "model_not_found").ConfigureAwait(false);
            return;
        }

        context.Request.Body.Position = 0;
        await proxy.ForwardAsync(context, name, "", context.Request.Path).ConfigureAwait(false);
    }
}
