using System.Text;
using System.Text.Json;
using Hearth.Server.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Hearth.Server.Streaming;

/// <summary>Newline-delimited JSON as the Ollama API streams it (application/x-ndjson), one flushed object per line.</summary>
internal sealed class NdjsonWriter
{
    public const string ContentType = "application/x-ndjson";

    private readonly HttpResponse response;
    private readonly CancellationToken cancellation;

    public NdjsonWriter(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        response = context.Response;
        cancellation = context.RequestAborted;
    }

    public async Task WriteAsync<T>(T payload)
    {
        if (!response.HasStarted)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = ContentType;
            response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await response.StartAsync(cancellation).ConfigureAwait(false);
        }

        var line = JsonSerializer.Serialize(payload, ApiJson.Options) + "\n";
        await response.BodyWriter.WriteAsync(Encoding.UTF8.GetBytes(line), cancellation).ConfigureAwait(false);
        await response.BodyWriter.FlushAsync(cancellation).ConfigureAwait(false);
    }
}
