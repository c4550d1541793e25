using System.Buffers;
using System.Net.Http.Headers;
using Hearth.Router.Backends;

namespace Hearth.Router.Proxy;

/// <summary>
/// Sends one request to one backend and waits for its first body bytes, under the backend's first-byte timeout.
///
/// Why a hand-written HttpMessageInvoker pass-through and not YARP's IHttpForwarder: the router must choose
/// and possibly retry the backend *after* seeing the upstream status and first bytes but *before* anything reaches
/// the client, translate bodies for Ollama backends, and read usage from the stream's tail. IHttpForwarder
/// copies the response to the client as soon as headers arrive and leaves retries to the caller once it has
/// started, so each of those would be worked around; the pass-through itself is ~100 lines over the same
/// SocketsHttpHandler YARP uses.
/// </summary>
internal static class UpstreamClient
{
    /// <summary>Read size for upstream bodies: one SSE event or a small JSON answer fits in one read.</summary>
    public const int BufferSize = 16 * 1024;

    /// <summary>Most bytes of an upstream error body kept (enough for any OpenAI error JSON).</summary>
    public const int MaxErrorBody = 64 * 1024;

    private static readonly string[] ForwardedRequestHeaders = ["accept", "x-request-id", "traceparent", "tracestate", "x-session-id", "openai-beta"];

    public static HttpRequestMessage Build(Backend backend, string path, ReadOnlyMemory<byte> body, Microsoft.AspNetCore.Http.HttpRequest client)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, backend.Url(path))
        {
            Content = new ReadOnlyMemoryContent(body),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var name in ForwardedRequestHeaders)
        {
            if (client.Headers.TryGetValue(name, out var values))
            {
                message.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values!);
            }
        }

        // The client's bearer is a router key: it never goes upstream. The backend's own key (if any) does.
        if (backend.UpstreamKey is { } key)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return message;
    }

    public static async ValueTask<UpstreamAttempt> StartAsync(Backend backend, HttpRequestMessage message, TimeProvider time, CancellationToken clientAborted)
    {
        var sent = time.GetTimestamp();
        using var firstByte = new CancellationTokenSource(backend.Options.Timeouts.FirstByte, time);
        using var link = clientAborted.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), firstByte);
        HttpResponseMessage? response = null;
        Stream? stream = null;
        byte[]? buffer = null;
        try
        {
            response = await backend.Client.SendAsync(message, firstByte.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var error = await ReadBoundedAsync(response.Content, firstByte.Token).ConfigureAwait(false);
                return new UpstreamAttempt { Kind = AttemptKind.HttpError, Response = response, ErrorBody = error, TimeToFirstByte = time.GetElapsedTime(sent) };
            }

            stream = await response.Content.ReadAsStreamAsync(firstByte.Token).ConfigureAwait(false);
            buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            var n = await stream.ReadAsync(buffer, firstByte.Token).ConfigureAwait(false);
            return new UpstreamAttempt { Kind = AttemptKind.Ok, Response = response, Body = stream, Buffer = buffer, FirstLength = n, TimeToFirstByte = time.GetElapsedTime(sent) };
        }
        catch (Exception e) when (!clientAborted.IsCancellationRequested && e is OperationCanceledException or HttpRequestException or IOException)
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            stream?.Dispose();
            response?.Dispose();
            var timedOut = e is OperationCanceledException || e.InnerException is TimeoutException;
            return new UpstreamAttempt
            {
                Kind = timedOut ? AttemptKind.Timeout : AttemptKind.ConnectFailed,
                FailureMessage = timedOut ? $"no first byte within {backend.Options.Timeouts.FirstByte.TotalSeconds} s" : e.Message,
                TimeToFirstByte = time.GetElapsedTime(sent),
            };
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[MaxErrorBody];
            var total = 0;
            int n;
            while (total < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += n;
            }

            return buffer[..total];
        }
    }
}
