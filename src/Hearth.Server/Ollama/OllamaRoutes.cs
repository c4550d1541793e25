using Hearth.Server.Models;
using Hearth.Server.Streaming;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hearth.Server.Ollama;

/// <summary>The Ollama-compatible routes under /api.</summary>
internal static class OllamaRoutes
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("ollama");
        api.MapPost("/generate", GenerateEndpoint.HandleAsync)
            .Accepts<GenerateRequest>("application/json")
            .Produces<GenerateResponse>()
            .Produces<GenerateResponse>(200, NdjsonWriter.ContentType);
        api.MapPost("/chat", OllamaChatEndpoint.HandleAsync)
            .Accepts<OllamaChatRequest>("application/json")
            .Produces<OllamaChatResponse>()
            .Produces<OllamaChatResponse>(200, NdjsonWriter.ContentType);
        api.MapGet("/tags", ModelEndpoints.TagsAsync).Produces<TagsResponse>();
        api.MapGet("/ps", ModelEndpoints.PsAsync).Produces<PsResponse>();
        api.MapPost("/show", ModelEndpoints.ShowAsync).Accepts<ShowRequest>("application/json").Produces<ShowResponse>();
        api.MapPost("/embed", EmbedEndpoint.HandleAsync).Accepts<EmbedRequest>("application/json").Produces<EmbedResponse>();
        api.MapPost("/embeddings", EmbedEndpoint.LegacyAsync).Accepts<LegacyEmbeddingsRequest>("application/json").Produces<LegacyEmbeddingsResponse>();
        api.MapPost("/pull", PullEndpoints.PullAsync).Accepts<PullRequest>("application/json").Produces<PullStatus>(200, NdjsonWriter.ContentType);
        api.MapDelete("/delete", PullEndpoints.DeleteAsync).Accepts<PullRequest>("application/json").Produces(200);
        api.MapPost("/copy", PullEndpoints.CopyAsync).Accepts<CopyRequest>("application/json").Produces(200);
        api.MapGet("/version", new Func<HttpContext, Task>(ModelEndpoints.VersionAsync)).Produces<VersionResponse>();
    }
}
