using System.Text.Json.Nodes;
using Hearth.Router.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hearth.Router.Admin;

/// <summary>
/// <c>/admin/models</c>: public model aliases. <c>POST {"model": "chat", "deployments": [{"backend": "gpu", "backend_model": "llama-3.1-8b"}]}</c>
/// adds deployments to an alias (creating it); <c>DELETE /admin/models/{model}</c> removes the alias. Model
/// names may contain slashes (<c>meta-llama/Llama-3.1-8B</c>), hence the catch-all route.
/// </summary>
internal static class ModelsAdmin
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/models", (SqliteRouterRegistry registry) => Results.Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(registry.Current.Aliases
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => (JsonNode)ToJson(p.Key, p.Value))
                .ToArray()),
        }));
        admin.MapPost("/models", AddAsync);
        admin.MapDelete("/models/{**model}", (string model, SqliteRouterRegistry registry) =>
            registry.RemoveAlias(model)
                ? Results.Json(new JsonObject { ["model"] = model, ["deleted"] = true })
                : AdminErrors.NotFound($"No model alias '{model}'."));
    }

    private static async Task<IResult> AddAsync(HttpRequest http, SqliteRouterRegistry registry)
    {
        var (request, error) = await AdminRequest.ReadAsync(http).ConfigureAwait(false);
        if (request is null)
        {
            return error!;
        }

        var model = request.String("model", required: true);
        var deployments = request.Array("deployments", required: true);
        request.RejectUnknown();
        if (model is not null && string.IsNullOrWhiteSpace(model))
        {
            request.Errors.Add(("model", "must be a non-empty name"));
        }

        var targets = new List<AliasTarget>();
        if (deployments is { Count: 0 })
        {
            request.Errors.Add(("deployments", "must name at least one deployment"));
        }

        for (var i = 0; deployments is not null && i < deployments.Count; i++)
        {
            var backend = deployments[i]?["backend"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string?)deployments[i]!["backend"] : null;
            var backendModel = deployments[i]?["backend_model"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string?)deployments[i]!["backend_model"] : null;
            if (deployments[i] is not JsonObject o || o.Count != 2 || string.IsNullOrWhiteSpace(backend) || string.IsNullOrWhiteSpace(backendModel))
            {
                request.Errors.Add(($"deployments[{i}]", "must be {\"backend\": \"name\", \"backend_model\": \"name\"}"));
                continue;
            }

            targets.Add(new AliasTarget(backend, backendModel));
        }

        if (request.Errors.Count > 0)
        {
            return AdminErrors.Invalid(request.Errors);
        }

        registry.AddAlias(model!, targets);
        return Results.Json(ToJson(model!, registry.Current.Aliases[model!]), statusCode: StatusCodes.Status201Created);
    }

    private static JsonObject ToJson(string model, IReadOnlyList<AliasTarget> targets) => new()
    {
        ["model"] = model,
        ["deployments"] = new JsonArray(targets.Select(t => (JsonNode)new JsonObject
        {
            ["backend"] = t.Backend,
            ["backend_model"] = t.BackendModel,
        }).ToArray()),
    };
}
