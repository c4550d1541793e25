using Hearth.Server.Observability;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Hearth.Server.Errors;

/// <summary>
/// Outermost middleware: counts every request by route template and status, and turns any exception a
/// handler lets escape into the API's error JSON via <see cref="ErrorMapper"/>. A client that went away
/// (RequestAborted) is not an error; a failure after the response started is logged (the stream carries its own error event).
/// </summary>
internal sealed partial class ErrorMiddleware(RequestDelegate next, ServerMetrics metrics, ILogger<ErrorMiddleware> logger)
{
    /// <summary>nginx's "client closed request": counted in metrics, never sent (the client is gone).</summary>
    public const int ClientClosedRequest = 499;

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        int? status = null;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            LogClientGone(logger, context.Request.Path);
            status = ClientClosedRequest;
        }
#pragma warning disable CA1031 // every failure becomes an error response; the server keeps serving
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var error = ErrorMapper.Map(ex);
            if (error.Status >= 500)
            {
                LogFailed(logger, ex, context.Request.Path, error.Status);
            }
            else
            {
                LogRejected(logger, context.Request.Path, error.Status, error.Message);
            }

            if (!context.Response.HasStarted)
            {
                await ErrorWriter.WriteAsync(context, error).ConfigureAwait(false);
            }
            else
            {
                status = context.RequestAborted.IsCancellationRequested ? ClientClosedRequest : error.Status;
            }
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            metrics.RecordRequest(route, status ?? context.Response.StatusCode);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Client disconnected from {Path}")]
    private static partial void LogClientGone(ILogger logger, PathString path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path}: {Status} {Message}")]
    private static partial void LogRejected(ILogger logger, PathString path, int status, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Path}: failed with {Status}")]
    private static partial void LogFailed(ILogger logger, Exception error, PathString path, int status);
}
