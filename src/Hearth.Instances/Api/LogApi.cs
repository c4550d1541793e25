using System.Text;
using System.Text.Json;
using Hearth.Instances.Logs;
using Hearth.Instances.Model;
using Hearth.Instances.Supervision;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Hearth.Instances.Api;

/// <summary>
/// Logs: a run's file as text (<c>?previous=true</c> for the run before), the in-memory tail as JSON, and a live
/// stream as server-sent events whose ids are line sequence numbers, so a reconnecting client (Last-Event-ID or
/// <c>?after=</c>) continues with the next line it has not seen.
/// </summary>
internal static class LogApi
{
    public static void Map(IEndpointRouteBuilder app, Supervisor supervisor)
    {
        app.MapGet("/api/instances/{name}/logs", (string name, bool? previous, int? run, int? tail) => ApiErrors.Guard(() =>
        {
            var log = supervisor.Logs(name);
            var runs = log.Runs();
            var which = run ?? (previous == true ? runs.Reverse().Skip(1).FirstOrDefault() : runs.LastOrDefault());
            var text = which > 0 ? log.ReadRun(which) : null;
            if (text is null)
            {
                return Task.FromResult(previous == true
                    ? ApiErrors.Result(404, $"instance '{name}' has no previous run", "not_found_error", "no_previous_run")
                    : Results.Text("", "text/plain; charset=utf-8"));
            }

            if (tail is > 0)
            {
                text = string.Join('\n', text.Split('\n').TakeLast(tail.Value + 1));
            }

            return Task.FromResult(Results.Text(text, "text/plain; charset=utf-8"));
        }));

        app.MapGet("/api/instances/{name}/logs/stream", async (string name, long? after, HttpContext context) =>
        {
            InstanceLog log;
            try
            {
                log = supervisor.Logs(name);
            }
            catch (InstanceNotFoundException ex)
            {
                await ApiErrors.WriteAsync(context, 404, ex.Message, "not_found_error", "instance_not_found").ConfigureAwait(false);
                return;
            }

            var from = after ?? (long.TryParse(context.Request.Headers["Last-Event-ID"], out var id) ? id : 0);
            await StreamAsync(context, log, from).ConfigureAwait(false);
        });
    }

    private static void Append(StringBuilder buffer, LogLine line) =>
        buffer.Append("id: ").Append(line.Seq).Append("\ndata: ")
            .Append(JsonSerializer.Serialize(new { seq = line.Seq, run = line.Run, time = line.Time, text = line.Text })).Append("\n\n");

    private static async Task StreamAsync(HttpContext context, InstanceLog log, long after)
    {
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var body = context.Response.Body;
        var token = context.RequestAborted;
        var buffer = new StringBuilder();
        buffer.Append("retry: 500\n\n");
        try
        {
            // A client that fell out of the in-memory tail catches up from the run files first: nothing is skipped.
            while (log.Backlog(after, 20_000) is { Count: > 0 } backlog)
            {
                foreach (var line in backlog)
                {
                    Append(buffer, line);
                    after = line.Seq;
                }

                await body.WriteAsync(Encoding.UTF8.GetBytes(buffer.ToString()), token).ConfigureAwait(false);
                await body.FlushAsync(token).ConfigureAwait(false);
                buffer.Clear();
            }

            var lines = log.Subscribe(after, token);
            while (true)
            {
                // Write everything already queued, then flush once: a fast producer costs one flush per batch.
                while (lines.TryRead(out var line))
                {
                    Append(buffer, line);
                    if (buffer.Length > 64 * 1024)
                    {
                        break;
                    }
                }

                if (buffer.Length > 0)
                {
                    await body.WriteAsync(Encoding.UTF8.GetBytes(buffer.ToString()), token).ConfigureAwait(false);
                    await body.FlushAsync(token).ConfigureAwait(false);
                    buffer.Clear();
                    continue;
                }

                using var idle = CancellationTokenSource.CreateLinkedTokenSource(token);
                idle.CancelAfter(TimeSpan.FromSeconds(15));
                try
                {
                    if (!await lines.WaitToReadAsync(idle.Token).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    buffer.Append(": keep-alive\n\n");
                }
            }
        }
        catch (Exception ex) when (ex is LogLagException or System.Threading.Channels.ChannelClosedException)
        {
            // Fell behind: end the stream; the client reconnects with its Last-Event-ID and resumes from the tail.
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
    }
}
