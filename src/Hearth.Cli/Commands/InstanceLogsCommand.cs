using System.CommandLine;
using System.Text.Json;

namespace Hearth.Cli.Commands;

/// <summary>
/// <c>hearth instances logs NAME [-f] [--previous] [-n N]</c>: the current (or previous) run's log; with -f it follows
/// the live stream and reconnects after a drop, resuming after the last line it printed.
/// </summary>
internal static class InstanceLogsCommand
{
    public static Command Create(Func<ParseResult, Func<InstancesClient, Task<int>>, Task<int>> run)
    {
        var name = new Argument<string>("name");
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines as they come (Ctrl+C ends)." };
        var previous = new Option<bool>("--previous") { Description = "The run before the current one (e.g. the one that crashed)." };
        var tail = new Option<int?>("--tail", "-n") { Description = "Only the last N lines." };
        var command = new Command("logs", "Print an instance's log.");
        command.Arguments.Add(name);
        command.Options.Add(follow);
        command.Options.Add(previous);
        command.Options.Add(tail);
        command.SetAction((parse, ct) => run(parse, async client =>
        {
            var instance = Uri.EscapeDataString(parse.GetValue(name)!);
            if (!parse.GetValue(follow))
            {
                var query = parse.GetValue(previous) ? "?previous=true" : "?";
                if (parse.GetValue(tail) is { } n)
                {
                    query += $"&tail={n}";
                }

                await Console.Out.WriteAsync(await client.GetTextAsync($"api/instances/{instance}/logs{query}", ct).ConfigureAwait(false)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await FollowAsync(client, instance, ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task FollowAsync(InstancesClient client, string instance, CancellationToken ct)
    {
        long last = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"api/instances/{instance}/logs/stream?after={last}", UriKind.Relative));
                using var response = await client.SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
                while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
                {
                    if (line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        using var doc = JsonDocument.Parse(line.AsMemory(6));
                        last = doc.RootElement.GetProperty("seq").GetInt64();
                        await Console.Out.WriteLineAsync(doc.RootElement.GetProperty("text").GetString()).ConfigureAwait(false);
                    }
                }
            }
            catch (IOException)
            {
                // Dropped: reconnect below and resume after the last line printed.
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(500, ct).ConfigureAwait(false);
        }
    }
}
