using System.Text;
using Hearth.Server.Errors;
using Hearth.Server.Inference;
using Hearth.Server.Json;
using Hearth.Server.Streaming;
using Microsoft.AspNetCore.Http;

namespace Hearth.Server.Ollama;

/// <summary>Timings and counts of Ollama's final object (durations in nanoseconds).</summary>
internal sealed record OllamaStats(
    string DoneReason,
    long TotalDuration,
    long LoadDuration,
    int PromptEvalCount,
    long PromptEvalDuration,
    int EvalCount,
    long EvalDuration);

/// <summary>Runs a job the Ollama way: NDJSON partial objects then a final "done" object, or one object when stream is false.</summary>
internal static class OllamaRun
{
    public static Task RunAsync(
        HttpContext context,
        GenerationJob job,
        bool stream,
        long startedTimestamp,
        TimeSpan loadDuration,
        TimeProvider time,
        Func<string, object> partial,
        Func<string, OllamaStats, IReadOnlyList<int>, object> final) =>
        RunAsync(context, job, stream, startedTimestamp, loadDuration, time, text => [partial(text)], final, () => []);

    /// <summary>As above, with any number of partial objects per piece of text (none while a parser holds text back)
    /// and, when streaming, the objects the end of the text completes, written before the final one.</summary>
    public static async Task RunAsync(
        HttpContext context,
        GenerationJob job,
        bool stream,
        long startedTimestamp,
        TimeSpan loadDuration,
        TimeProvider time,
        Func<string, IEnumerable<object>> partial,
        Func<string, OllamaStats, IReadOnlyList<int>, object> final,
        Func<IEnumerable<object>> beforeFinal)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(job);
        var writer = new NdjsonWriter(context);
        var text = new StringBuilder();
        var generated = new List<int>();
        await foreach (var e in job.Events.ReadAllAsync(context.RequestAborted).ConfigureAwait(false))
        {
            switch (e)
            {
                case GeneratedToken t:
                    if (t.TokenId >= 0)
                    {
                        generated.Add(t.TokenId);
                    }

                    if (stream && t.Text.Length > 0)
                    {
                        foreach (var o in partial(t.Text))
                        {
                            await writer.WriteAsync(o).ConfigureAwait(false);
                        }
                    }
                    else
                    {
                        text.Append(t.Text);
                    }

                    break;
                case GenerationCompleted done:
                    var u = done.Usage;
                    var stats = new OllamaStats(
                        OllamaMapping.DoneReason(done.Reason),
                        OllamaMapping.Nanoseconds(time.GetElapsedTime(startedTimestamp)),
                        OllamaMapping.Nanoseconds(loadDuration),
                        u.PromptTokens,
                        OllamaMapping.Nanoseconds(u.PromptTime),
                        u.CompletionTokens,
                        OllamaMapping.Nanoseconds(u.GenerationTime));
                    var last = final(stream ? string.Empty : text.ToString(), stats, generated);
                    if (stream)
                    {
                        foreach (var o in beforeFinal())
                        {
                            await writer.WriteAsync(o).ConfigureAwait(false);
                        }

                        await writer.WriteAsync(last).ConfigureAwait(false);
                    }
                    else
                    {
                        await context.Response.WriteAsJsonAsync(last, ApiJson.Options, context.RequestAborted).ConfigureAwait(false);
                    }

                    return;
                case GenerationFailed failed when context.Response.HasStarted:
                    await writer.WriteAsync(ErrorWriter.Body(ErrorMapper.Map(failed.Error), ollama: true)).ConfigureAwait(false);
                    return;
                case GenerationFailed failed:
                    throw failed.Error;
            }
        }
    }
}
