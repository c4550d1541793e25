using Hearth.Instances.Model;
using Hearth.Instances.Supervision;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hearth.Instances.Api;

/// <summary>/api/instances CRUD and actions, /api/blueprints.</summary>
internal static class InstanceApi
{
    public static void Map(IEndpointRouteBuilder app, Supervisor supervisor)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/instances", () => Results.Json(supervisor.List().Select(StatusJson.From)));
        api.MapGet("/instances/{name}", (string name) => ApiErrors.Guard(() => Task.FromResult(Results.Json(StatusJson.From(supervisor.Get(name))))));
        api.MapPost("/instances", (HttpRequest request) => ApiErrors.Guard(async () =>
        {
            var spec = await ReadSpecAsync(request, null).ConfigureAwait(false);
            var status = await supervisor.CreateAsync(spec).ConfigureAwait(false);
            return Results.Json(StatusJson.From(status), statusCode: StatusCodes.Status201Created);
        }));
        api.MapPut("/instances/{name}", (string name, HttpRequest request) => ApiErrors.Guard(async () =>
        {
            var spec = await ReadSpecAsync(request, name).ConfigureAwait(false);
            return Results.Json(StatusJson.From(await supervisor.UpdateAsync(spec).ConfigureAwait(false)));
        }));
        api.MapDelete("/instances/{name}", (string name) => ApiErrors.Guard(async () =>
        {
            await supervisor.RemoveAsync(name).ConfigureAwait(false);
            return Results.NoContent();
        }));
        api.MapPost("/instances/{name}/{action}", (string name, string action, bool? wait, HttpContext context) => ApiErrors.Guard(async () =>
        {
            var status = action switch
            {
                "start" => await supervisor.StartAsync(name).ConfigureAwait(false),
                "stop" => await supervisor.StopAsync(name).ConfigureAwait(false),
                "restart" => await supervisor.RestartAsync(name).ConfigureAwait(false),
                _ => null,
            };
            if (status is null)
            {
                return ApiErrors.Result(404, $"unknown action '{action}': use start, stop or restart", "invalid_request_error", "unknown_action");
            }

            if (wait == true && action != "stop")
            {
                status = await supervisor.EnsureReadyAsync(name, context.RequestAborted).ConfigureAwait(false);
            }

            return Results.Json(StatusJson.From(status));
        }));
        api.MapGet("/blueprints", () =>
        {
            var errors = new List<string>();
            var list = supervisor.Blueprints.List(errors).Select(b => new
            {
                name = b.Name,
                description = b.Description,
                file = b.File,
                port_env = b.PortEnv,
                health = b.Health,
                install = b.Install,
                built_in = b.BuiltIn,
            });
            return Results.Json(new { blueprints = list, errors });
        });
    }

    /// <summary>Reads a spec from the body; on PUT the name comes from the route (a different one in the body is an error).</summary>
    private static async Task<InstanceSpec> ReadSpecAsync(HttpRequest request, string? routeName)
    {
        using var reader = new StreamReader(request.Body);
        var json = await reader.ReadToEndAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (routeName is not null)
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(json.Length == 0 ? "{}" : json) as System.Text.Json.Nodes.JsonObject
                ?? throw new InstanceSpecException("the body must be a JSON object");
            if (node["name"] is { } given && given.GetValue<string>() != routeName)
            {
                throw new InstanceSpecException($"the body names '{given}', the URL '{routeName}'", "name");
            }

            node["name"] = routeName;
            json = node.ToJsonString();
        }

        return SpecJson.Deserialize(json);
    }
}
