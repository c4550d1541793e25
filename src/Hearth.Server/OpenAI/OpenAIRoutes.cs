using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hearth.Server.OpenAI;

/// <summary>The OpenAI-compatible routes under /v1.</summary>
internal static class OpenAIRoutes
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").WithTags("openai");
        v1.MapPost("/chat/completions", ChatCompletionsEndpoint.HandleAsync)
            .Accepts<ChatCompletionRequest>("application/json")
            .Produces<ChatCompletionResponse>()
            .Produces<ChatCompletionChunk>(200, "text/event-stream");
        v1.MapPost("/completions", CompletionsEndpoint.HandleAsync)
            .Accepts<CompletionRequest>("application/json")
            .Produces<CompletionResponse>()
            .Produces<CompletionResponse>(200, "text/event-stream");
        v1.MapGet("/models", ModelsEndpoint.ListAsync).Produces<ModelList>();
        v1.MapGet("/models/{id}", ModelsEndpoint.GetAsync).Produces<ModelCard>();
        v1.MapPost("/embeddings", EmbeddingsEndpoint.HandleAsync)
            .Accepts<EmbeddingRequest>("application/json")
            .Produces<EmbeddingResponse>();
    }
}
