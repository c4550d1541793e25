using System.Text;
using System.Text.Json;
using Hearth.Server.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Hearth.Server.Streaming;

/// <summary>
/// Server-sent events as the OpenAI API frames them: each event is one <c>data: {json}</c> line and a
/// blank line, flushed at once; the stream ends with <c>data: [DONE]</c>.
/// </summary>
internal sealed class SseWriter
{
    private readonly HttpResponse response;
    private readonly CancellationToken cancellation;

    public SseWriter(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        response = context.Response;
        cancellation = context.RequestAborted;
    }

    public bool Started => response.HasStarted;

    public async Task StartAsync()
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(cancellation).ConfigureAwait(false);
    }

    public Task WriteAsync<T>(T payload) => WriteDataAsync(JsonSerializer.Serialize(payload, ApiJson.Options));

    public Task WriteDoneAsync() => WriteDataAsync("[DONE]");

    public async Task WriteDataAsync(string data)
    {
        if (!response.HasStarted)
        {
            await StartAsync().ConfigureAwait(false);
        }

        await response.BodyWriter.WriteAsync(Encoding.UTF8.GetBytes("data: " + data + "\n\n"), cancellation).ConfigureAwait(false);
        await response.BodyWriter.FlushAsync(cancellation).ConfigureAwait(false);
    }
}
