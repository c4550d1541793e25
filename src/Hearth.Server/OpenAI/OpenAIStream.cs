using Hearth.Server.Errors;
using Hearth.Server.Inference;
using Hearth.Server.Streaming;
using Microsoft.AspNetCore.Http;

namespace Hearth.Server.OpenAI;

/// <summary>Streams a job as OpenAI chunks over SSE, ending with <c>data: [DONE]</c>; a failure mid-stream becomes an error event.</summary>
internal static class OpenAIStream
{
    public static Task RunAsync(
        HttpContext context,
        GenerationJob job,
        IEnumerable<object> opening,
        Func<GeneratedToken, object?> chunk,
        Func<GenerationCompleted, IEnumerable<object>> closing) =>
        RunManyAsync(context, job, opening, t => chunk(t) is { } c ? [c] : [], closing);

    /// <summary>As <see cref="RunAsync"/>, with any number of chunks per token (a chat answer's parser may hold a
    /// token back or turn it into content and a tool-call part).</summary>
    public static async Task RunManyAsync(
        HttpContext context,
        GenerationJob job,
        IEnumerable<object> opening,
        Func<GeneratedToken, IEnumerable<object>> chunks,
        Func<GenerationCompleted, IEnumerable<object>> closing)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(job);
        var sse = new SseWriter(context);
        await sse.StartAsync().ConfigureAwait(false);
        foreach (var o in opening)
        {
            await sse.WriteAsync(o).ConfigureAwait(false);
        }

        await foreach (var e in job.Events.ReadAllAsync(context.RequestAborted).ConfigureAwait(false))
        {
            switch (e)
            {
                case GeneratedToken t:
                    foreach (var c in chunks(t))
                    {
                        await sse.WriteAsync(c).ConfigureAwait(false);
                    }

                    break;
                case GenerationCompleted done:
                    foreach (var c in closing(done))
                    {
                        await sse.WriteAsync(c).ConfigureAwait(false);
                    }

                    await sse.WriteDoneAsync().ConfigureAwait(false);
                    return;
                case GenerationFailed failed:
                    await sse.WriteDataAsync(ErrorWriter.InStream(ErrorMapper.Map(failed.Error), ollama: false)).ConfigureAwait(false);
                    return;
            }
        }
    }
}
