using Hearth.Server.Inference;
using Hearth.Server.Json;
using Microsoft.AspNetCore.Http;

namespace Hearth.Server.OpenAI;

/// <summary>POST /v1/chat/completions.</summary>
internal static class ChatCompletionsEndpoint
{
    public static async Task HandleAsync(HttpContext context, ServerState server)
    {
        var request = await RequestReader.ReadAsync<ChatCompletionRequest>(context).ConfigureAwait(false);
        var (messages, parameters) = ChatCompletions.Map(request);
        using var lease = await server.Models.AcquireAsync(request.Model, null, context.RequestAborted).ConfigureAwait(false);
        var model = lease.Model;
        var prompt = model.Model.TokenizeChat(messages);
        var job = InferenceService.Submit(model, prompt, parameters, "messages", context.RequestAborted);
        var id = OpenAISampling.NewId("chatcmpl-");
        var created = server.UnixNow;
        var name = request.Model ?? model.Name;
        if (request.Stream != true)
        {
            var result = await InferenceService.CollectAsync(job, context.RequestAborted).ConfigureAwait(false);
            await context.Response.WriteAsJsonAsync(ChatCompletions.Response(id, created, name, result), ApiJson.Options, context.RequestAborted)
                .ConfigureAwait(false);
            return;
        }

        var includeUsage = request.StreamOptions?.IncludeUsage == true;
        await OpenAIStream.RunAsync(
            context,
            job,
            [ChatCompletions.Chunk(id, created, name, new ChatDelta("assistant", string.Empty), null, null)],
            t => t.Text.Length == 0 && t.Logprob is null ? null
                : ChatCompletions.Chunk(id, created, name, new ChatDelta(null, t.Text), t.Logprob, null),
            done => includeUsage
                ? [ChatCompletions.Chunk(id, created, name, new ChatDelta(null, null), null, OpenAISampling.FinishReason(done.Reason)),
                   ChatCompletions.UsageChunk(id, created, name, done.Usage)]
                : [ChatCompletions.Chunk(id, created, name, new ChatDelta(null, null), null, OpenAISampling.FinishReason(done.Reason))]).ConfigureAwait(false);
    }
}
