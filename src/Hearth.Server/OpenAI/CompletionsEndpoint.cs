using Hearth.Server.Errors;
using Hearth.Server.Inference;
using Hearth.Server.Json;
using Microsoft.AspNetCore.Http;

namespace Hearth.Server.OpenAI;

/// <summary>POST /v1/completions.</summary>
internal static class CompletionsEndpoint
{
    public static async Task HandleAsync(HttpContext context, ServerState server)
    {
        var request = await RequestReader.ReadAsync<CompletionRequest>(context).ConfigureAwait(false);
        var parameters = Completions.Map(request, server.Models.DefaultsFor(request.Model));
        using var lease = await server.Models.AcquireAsync(request.Model, null, context.RequestAborted).ConfigureAwait(false);
        var model = lease.Model;
        var text = request.Prompt!.Texts?[0];
        var prompt = text is not null ? model.Model.Tokenize(text, addSpecial: true) : request.Prompt.Tokens![0];
        var vocab = model.Model.VocabSize;
        if (prompt.Any(t => t >= vocab))
        {
            throw ApiException.BadRequest($"Token ids must be below the vocabulary size {vocab}.", "prompt");
        }

        var job = InferenceService.Submit(model, prompt, parameters, "prompt", context.RequestAborted);
        var id = OpenAISampling.NewId("cmpl-");
        var created = server.UnixNow;
        var name = request.Model ?? model.Name;
        var echo = request.Echo == true ? text ?? string.Empty : string.Empty;
        if (request.Stream != true)
        {
            var result = await InferenceService.CollectAsync(job, context.RequestAborted).ConfigureAwait(false);
            await context.Response.WriteAsJsonAsync(Completions.Response(id, created, name, echo, result), ApiJson.Options, context.RequestAborted)
                .ConfigureAwait(false);
            return;
        }

        var offset = echo.Length;
        var includeUsage = request.StreamOptions?.IncludeUsage == true;
        await OpenAIStream.RunAsync(
            context,
            job,
            echo.Length > 0 ? [Completions.Chunk(id, created, name, echo, null, 0, null)] : [],
            t =>
            {
                if (t.Text.Length == 0 && t.Logprob is null)
                {
                    return null;
                }

                var chunk = Completions.Chunk(id, created, name, t.Text, t.Logprob, offset, null);
                offset += t.Logprob?.Token.Length ?? t.Text.Length;
                return chunk;
            },
            done => includeUsage
                ? [Completions.Chunk(id, created, name, string.Empty, null, offset, OpenAISampling.FinishReason(done.Reason)),
                   Completions.UsageChunk(id, created, name, done.Usage)]
                : [Completions.Chunk(id, created, name, string.Empty, null, offset, OpenAISampling.FinishReason(done.Reason))]).ConfigureAwait(false);
    }
}
