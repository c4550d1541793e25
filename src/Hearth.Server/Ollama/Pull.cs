using System.Threading.Channels;
using Hearth.Server.Errors;
using Hearth.Server.Json;
using Hearth.Server.Models;
using Hearth.Server.Streaming;
using Microsoft.AspNetCore.Http;

namespace Hearth.Server.Ollama;

/// <summary>POST /api/pull and DELETE /api/delete request ("model", or the older "name").</summary>
internal sealed record PullRequest
{
    public string? Model { get; init; }

    public string? Name { get; init; }

    public bool? Insecure { get; init; }

    public bool? Stream { get; init; }
}

/// <summary>POST /api/copy request.</summary>
internal sealed record CopyRequest(string? Source, string? Destination);

/// <summary>POST /api/pull (progress as NDJSON, ending in {"status":"success"}) DELETE /api/delete and POST /api/copy, through the store.</summary>
internal static class PullEndpoints
{
    public static async Task PullAsync(HttpContext context, ServerState server)
    {
        var request = await RequestReader.ReadAsync<PullRequest>(context).ConfigureAwait(false);
        var name = request.Model ?? request.Name;
        OllamaMapping.Check(!string.IsNullOrWhiteSpace(name), "model", "is required");
        var catalog = server.Models.Resolver.Catalog ?? throw ApiException.NotAvailable("This server has no model store.");
        var updates = Channel.CreateUnbounded<PullStatus>(new UnboundedChannelOptions { SingleReader = true });
        var pull = Task.Run(
            async () =>
            {
                try
                {
                    await catalog.PullAsync(name!, new SyncProgress(updates.Writer), context.RequestAborted).ConfigureAwait(false);
                }
                finally
                {
                    updates.Writer.TryComplete();
                }
            },
            CancellationToken.None);

        if (request.Stream == false)
        {
            await foreach (var _ in updates.Reader.ReadAllAsync(context.RequestAborted).ConfigureAwait(false))
            {
            }

            await Failed(pull).ConfigureAwait(false);
            await context.Response.WriteAsJsonAsync(new PullStatus("success"), ApiJson.Options, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var writer = new NdjsonWriter(context);
        await foreach (var status in updates.Reader.ReadAllAsync(context.RequestAborted).ConfigureAwait(false))
        {
            await writer.WriteAsync(status).ConfigureAwait(false);
        }

        try
        {
            await Failed(pull).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await writer.WriteAsync(ErrorWriter.Body(ErrorMapper.Map(ex), ollama: true)).ConfigureAwait(false);
            return;
        }

        await writer.WriteAsync(new PullStatus("success")).ConfigureAwait(false);
    }

    public static async Task DeleteAsync(HttpContext context, ServerState server)
    {
        var request = await RequestReader.ReadAsync<PullRequest>(context).ConfigureAwait(false);
        var name = request.Model ?? request.Name;
        OllamaMapping.Check(!string.IsNullOrWhiteSpace(name), "model", "is required");
        var catalog = server.Models.Resolver.Catalog ?? throw ApiException.NotAvailable("This server has no model store.");
        var entry = catalog.Resolve(name!);
        if (entry is null || !catalog.Delete(name!))
        {
            throw ApiException.ModelNotFound(name!);
        }

        server.Models.TryUnloadIdle(entry.Path);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>POST /api/copy: the source model under a second name (the same file); 200 with an empty body, as Ollama.</summary>
    public static async Task CopyAsync(HttpContext context, ServerState server)
    {
        var request = await RequestReader.ReadAsync<CopyRequest>(context).ConfigureAwait(false);
        OllamaMapping.Check(!string.IsNullOrWhiteSpace(request.Source), "source", "is required");
        OllamaMapping.Check(!string.IsNullOrWhiteSpace(request.Destination), "destination", "is required");
        var catalog = server.Models.Resolver.Catalog ?? throw ApiException.NotAvailable("This server has no model store.");
        try
        {
            _ = catalog.Copy(request.Source!, request.Destination!) ?? throw ApiException.ModelNotFound(request.Source!);
        }
        catch (ArgumentException ex)
        {
            throw ApiException.BadRequest(ex.Message, "destination");
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>Awaits the pull, turning store failures into 4xx/5xx errors that name the cause.</summary>
    private static async Task Failed(Task pull)
    {
        try
        {
            await pull.ConfigureAwait(false);
        }
        catch (PullFailedException ex)
        {
            throw new ApiException(400, "invalid_request_error", "pull_failed", "model", ex.Message);
        }
    }

    /// <summary>Reports progress straight into the channel (Progress&lt;T&gt; would post to the thread pool and reorder updates).</summary>
    private sealed class SyncProgress(ChannelWriter<PullStatus> writer) : IProgress<PullStatus>
    {
        public void Report(PullStatus value) => writer.TryWrite(value);
    }
}
