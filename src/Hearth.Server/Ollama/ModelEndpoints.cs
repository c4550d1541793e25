using System.Text.Json.Nodes;
using Hearth.Server.Errors;
using Hearth.Server.Json;
using Microsoft.AspNetCore.Http;

namespace Hearth.Server.Ollama;

internal sealed record TagsResponse(IReadOnlyList<TagModel> Models);

internal sealed record TagModel(string Name, string Model, string ModifiedAt, long Size, string Digest, OllamaModelDetails Details);

internal sealed record PsResponse(IReadOnlyList<PsModel> Models);

internal sealed record PsModel(string Name, string Model, long Size, string Digest, OllamaModelDetails Details, string ExpiresAt, long SizeVram);

/// <summary>POST /api/show request ("model", or the older "name").</summary>
internal sealed record ShowRequest
{
    public string? Model { get; init; }

    public string? Name { get; init; }
}

internal sealed record ShowResponse(
    string Modelfile,
    string Parameters,
    string Template,
    OllamaModelDetails Details,
    JsonObject ModelInfo,
    IReadOnlyList<string> Capabilities,
    string ModifiedAt);

internal sealed record VersionResponse(string Version);

/// <summary>GET /api/tags, GET /api/ps, POST /api/show, GET /api/version.</summary>
internal static class ModelEndpoints
{
    /// <summary>The Ollama API version Hearth's routes follow (clients gate features on it).</summary>
    public const string OllamaApiVersion = "0.12.0";

    public static Task TagsAsync(HttpContext context, ServerState server)
    {
        var loaded = server.Models.Loaded().ToDictionary(l => l.Model.Catalog.Path, l => l.Model.Model.Facts, StringComparer.Ordinal);
        var models = server.Models.Resolver.List().Select(e => new TagModel(
            e.Name,
            e.Name,
            e.ModifiedAt.ToString("O"),
            e.Size,
            e.Digest ?? string.Empty,
            OllamaModelDetails.From(loaded.GetValueOrDefault(e.Path)))).ToList();
        return context.Response.WriteAsJsonAsync(new TagsResponse(models), ApiJson.Options, context.RequestAborted);
    }

    public static Task PsAsync(HttpContext context, ServerState server)
    {
        var models = server.Models.Loaded().Select(l => new PsModel(
            l.Model.Name,
            l.Model.Name,
            l.Model.Catalog.Size,
            l.Model.Catalog.Digest ?? string.Empty,
            OllamaModelDetails.From(l.Model.Model.Facts),
            (l.ExpiresAt ?? DateTimeOffset.MaxValue).ToString("O"),
            0)).ToList();
        return context.Response.WriteAsJsonAsync(new PsResponse(models), ApiJson.Options, context.RequestAborted);
    }

    public static async Task ShowAsync(HttpContext context, ServerState server)
    {
        var request = await RequestReader.ReadAsync<ShowRequest>(context).ConfigureAwait(false);
        var name = request.Model ?? request.Name;
        OllamaMapping.Check(!string.IsNullOrEmpty(name), "model", "is required");
        if (server.Models.Resolver.Resolve(name) is null)
        {
            throw ApiException.ModelNotFound(name!);
        }

        using var lease = await server.Models.AcquireAsync(name, null, context.RequestAborted).ConfigureAwait(false);
        var facts = lease.Model.Model.Facts;
        var arch = facts.Architecture;
        var info = new JsonObject
        {
            ["general.architecture"] = arch,
            ["general.parameter_count"] = facts.ParameterCount,
            [arch + ".context_length"] = facts.ContextLength,
            [arch + ".embedding_length"] = facts.EmbeddingLength,
        };
        await context.Response.WriteAsJsonAsync(
            new ShowResponse(
                $"FROM {lease.Model.Catalog.Path}\n",
                string.Empty,
                facts.ChatTemplate ?? string.Empty,
                OllamaModelDetails.From(facts),
                info,
                ["completion", "embedding"],
                lease.Model.Catalog.ModifiedAt.ToString("O")),
            ApiJson.Options,
            context.RequestAborted).ConfigureAwait(false);
    }

    public static Task VersionAsync(HttpContext context) =>
        context.Response.WriteAsJsonAsync(new VersionResponse(OllamaApiVersion), ApiJson.Options, context.RequestAborted);
}
