using System.Buffers;
using Hearth.Router.Backends;
using Hearth.Router.Config;
using Hearth.Router.Observability;
using Hearth.Router.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hearth.Router.Proxy;

/// <summary>
/// Copies a committed upstream answer to the client chunk by chunk: each upstream read is written and flushed
/// at once (no buffering, so SSE and NDJSON arrive as the engine produces them), with the backend's idle timeout
/// between reads. Keeps the last bytes for usage, and the whole answer only when it is to be cached.
/// A stream that breaks after it started cannot be retried: SSE clients get an error event, others a cut connection.
/// </summary>
internal static class ResponsePump
{
    private static readonly HashSet<string> SkippedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "Proxy-Connection", "Trailer", "Server", "Date", "Content-Length",
    };

    public readonly record struct Result(long? Tokens, bool Complete, byte[]? Captured);

    public static async Task<Result> RunAsync(HttpContext context, ProxyRoute route, Backend backend, RouteCandidate candidate, RequestInfo info,
        UpstreamAttempt attempt, bool capture, bool usage, ProxyHandler.Outcome outcome, TimeProvider time, RouterMetrics metrics, ILogger logger)
    {
        var aborted = context.RequestAborted;
        var response = context.Response;
        var upstream = attempt.Response!;
        var translation = route.TranslationFor(backend);
        var translate = translation != Translation.None;
        response.StatusCode = attempt.Status;
        foreach (var header in upstream.Headers.Concat(upstream.Content.Headers))
        {
            if (!SkippedHeaders.Contains(header.Key))
            {
                response.Headers[header.Key] = header.Value.ToArray();
            }
        }

        if (translate)
        {
            response.ContentType = !info.Stream ? "application/json"
                : translation == Translation.OpenAIToOllama ? "text/event-stream" : "application/x-ndjson";
            response.Headers.CacheControl = "no-cache";
        }

        response.Headers["x-hearth-backend"] = backend.Name;
        var sse = (response.ContentType ?? string.Empty).StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase);
        if (!translate && !sse && upstream.Content.Headers.ContentLength is { } length)
        {
            // Bytes pass through unchanged, so the upstream's length holds: the client gets one plain body (no chunked
            // framing and no separate final chunk to wait for). A body cut short still aborts the connection below.
            response.ContentLength = length;
        }

        IAnswerTranslator? ollama = translation switch
        {
            Translation.OpenAIToOllama => OllamaResponse.Create(info.Model, time),
            Translation.OllamaToOpenAI => new OpenAIFromOllama(info.Model, route == ProxyRoute.OllamaChat, time),
            _ => null,
        };
        var whole = translate && !info.Stream ? new ArrayBufferWriter<byte>() : null;
        var scratch = translate && info.Stream ? new ArrayBufferWriter<byte>() : null;
        var tail = usage ? new TailBuffer() : null; // only keys need the tokens used
        var captured = capture ? new ArrayBufferWriter<byte>() : null;
        var buffer = attempt.Buffer!;
        var n = attempt.FirstLength;
        var stream = attempt.Body!;
        using var idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var link = aborted.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), idle);
        try
        {
            while (true)
            {
                var final = n == 0;
                ReadOnlyMemory<byte> output = buffer.AsMemory(0, n);
                if (whole is not null)
                {
                    whole.Write(output.Span);
                    output = final ? ollama!.Whole(whole.WrittenSpan) : ReadOnlyMemory<byte>.Empty;
                }
                else if (scratch is not null)
                {
                    scratch.ResetWrittenCount();
                    if (final)
                    {
                        ollama!.Complete(scratch);
                    }
                    else
                    {
                        ollama!.Stream(output.Span, scratch);
                    }

                    output = scratch.WrittenMemory;
                }

                if (!output.IsEmpty)
                {
                    tail?.Append(output.Span);
                    if (captured is not null && captured.WrittenCount + output.Length <= ProxyHandler.MaxCachedBytes)
                    {
                        captured.Write(output.Span);
                    }
                    else
                    {
                        captured = null;
                    }

                    await response.Body.WriteAsync(output, aborted).ConfigureAwait(false);
                    await response.Body.FlushAsync(aborted).ConfigureAwait(false);
                }

                if (final)
                {
                    break;
                }

                idle.CancelAfter(backend.Options.Timeouts.Idle);
                var waited = time.GetTimestamp();
                n = await stream.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
                outcome.UpstreamWait += time.GetElapsedTime(waited);
            }

            return new Result(tail is null ? null : UsageParser.Tokens(tail.Span), true, captured?.WrittenSpan.ToArray());
        }
        catch (Exception e) when (!aborted.IsCancellationRequested && e is OperationCanceledException or IOException or HttpRequestException or System.Text.Json.JsonException)
        {
            var reason = e is OperationCanceledException ? $"no data for {backend.Options.Timeouts.Idle.TotalSeconds} s" : e.Message;
            RouterLog.StreamCut(logger, route.Path, info.Model, backend.Name, reason);
            metrics.Retry(backend.Name, "stream_cut"); // counted, though it cannot be retried: the client already has bytes
            outcome.Status = 502;
            if (sse)
            {
                var error = RouterErrors.Body(false, "server_error", "upstream_stream_cut", null, $"The backend's stream broke off: {reason}");
                await response.Body.WriteAsync("data: "u8.ToArray(), CancellationToken.None).ConfigureAwait(false);
                await response.Body.WriteAsync(error, CancellationToken.None).ConfigureAwait(false);
                await response.Body.WriteAsync("\n\n"u8.ToArray(), CancellationToken.None).ConfigureAwait(false);
                await response.Body.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                context.Abort(); // a half JSON document must not look complete
            }

            return new Result(tail is null ? null : UsageParser.Tokens(tail.Span), false, null);
        }
        finally
        {
            candidate.Backend.Exit();
            outcome.Release = null;
        }
    }
}
