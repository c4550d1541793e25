using Hearth.Server.Errors;
using Hearth.Server.Json;
using Hearth.Server.Models;
using Microsoft.AspNetCore.Http;

namespace Hearth.Server.OpenAI;

internal sealed record ModelList(string Object, IReadOnlyList<ModelCard> Data);

internal sealed record ModelCard(string Id, string Object, long Created, string OwnedBy);

/// <summary>GET /v1/models and GET /v1/models/{id}: every model a request may name (serve aliases, then the store).</summary>
internal static class ModelsEndpoint
{
    public static ModelCard Card(CatalogEntry e) => new(e.Name, "model", e.ModifiedAt.ToUnixTimeSeconds(), "hearth");

    public static Task ListAsync(HttpContext context, ServerState server) =>
        context.Response.WriteAsJsonAsync(new ModelList("list", server.Models.Resolver.List().Select(Card).ToList()), ApiJson.Options, context.RequestAborted);

    public static Task GetAsync(HttpContext context, ServerState server, string id)
    {
        var entry = server.Models.Resolver.List().FirstOrDefault(e => e.Name == id) ?? throw ApiException.ModelNotFound(id);
        return context.Response.WriteAsJsonAsync(Card(entry), ApiJson.Options, context.RequestAborted);
    }
}
