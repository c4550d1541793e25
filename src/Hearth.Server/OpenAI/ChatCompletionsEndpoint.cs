using Hearth.Server.Inference;
using Hearth.Server.Json;
using Hearth.Server.Tools;
using Microsoft.AspNetCore.Http;

namespace Hearth.Server.OpenAI;

/// <summary>POST /v1/chat/completions.</summary>
internal static class ChatCompletionsEndpoint
{
    public static async Task HandleAsync(HttpContext context, ServerState server)
    {
        var request = await RequestReader.ReadAsync<ChatCompletionRequest>(context).ConfigureAwait(false);
        var (messages, parameters) = ChatCompletions.Map(request, server.Models.DefaultsFor(request.Model));
        var tools = ToolOptions.From(request.Tools, request.ToolChoice, request.ParallelToolCalls);
        var split = ChatCompletions.SplitReasoning(request);
        var variables = request.ChatTemplateKwargs?.ToDictionary(p => p.Key, p => p.Value?.DeepClone()) ?? [];
        using var lease = await server.Models.AcquireAsync(request.Model, null, context.RequestAborted).ConfigureAwait(false);
        var model = lease.Model;
        var plan = ChatPlan.Create(model.Model, messages, tools, split, variables, server.Time);
        parameters = plan.Apply(parameters, "response_format");
        var job = InferenceService.Submit(model, plan.Prompt, parameters, "messages", context.RequestAborted);
        var id = OpenAISampling.NewId("chatcmpl-");
        var created = server.UnixNow;
        var name = request.Model ?? model.Name;
        if (request.Stream != true)
        {
            var result = await InferenceService.CollectAsync(job, context.RequestAborted).ConfigureAwait(false);
            await context.Response.WriteAsJsonAsync(ChatCompletions.Response(id, created, name, result, plan.Parser), ApiJson.Options, context.RequestAborted)
                .ConfigureAwait(false);
            return;
        }

        var includeUsage = request.StreamOptions?.IncludeUsage == true;
        var stream = new ChatStream(plan.Parser);
        ChatCompletionChunk Chunk(ChatDelta delta, TokenLogprob? logprob, string? finish) => ChatCompletions.Chunk(id, created, name, delta, logprob, finish);
        await OpenAIStream.RunManyAsync(
            context,
            job,
            [Chunk(new ChatDelta("assistant", string.Empty), null, null)],
            t =>
            {
                var deltas = stream.Push(t.Text);
                if (deltas.Count == 0)
                {
                    return t.Logprob is null ? [] : [Chunk(new ChatDelta(null, null), t.Logprob, null)];
                }

                // The token's logprob rides on the first chunk it produced.
                return deltas.Select((d, i) => (object)Chunk(ChatCompletions.Delta(d), i == 0 ? t.Logprob : null, null)).ToList();
            },
            done =>
            {
                var last = stream.Finish().Select(d => (object)Chunk(ChatCompletions.Delta(d), null, null)).ToList();
                var finish = stream.Final!.Calls.Count > 0 ? "tool_calls" : OpenAISampling.FinishReason(done.Reason);
                last.Add(Chunk(new ChatDelta(null, null), null, finish));
                if (includeUsage)
                {
                    last.Add(ChatCompletions.UsageChunk(id, created, name, done.Usage));
                }

                return last;
            }).ConfigureAwait(false);
    }
}
