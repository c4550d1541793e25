using System.CommandLine;
using Hearth.Router;
using Hearth.Router.Config;

namespace Hearth.Cli.Commands;

/// <summary><c>hearth router</c>: one OpenAI/Ollama endpoint in front of many engines (all logic lives in Hearth.Router).</summary>
internal static class RouterCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config", "-c") { Description = "Router config (YAML): backends, routing, fallbacks, keys, cache.", Required = true };
        var host = new Option<string>("--host") { Description = "Address to bind (an IP or 'localhost').", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "TCP port; 0 picks a free one.", DefaultValueFactory = _ => 4000 };
        var command = new Command("router", "Route OpenAI/Ollama requests over several engines: tiers, strategies, failover, keys, cache.");
        command.Options.Add(config);
        command.Options.Add(host);
        command.Options.Add(port);

        command.Subcommands.Add(RouterKeysCommand.Create());
        command.SetAction(async (parse, cancellation) =>
        {
            RouterOptions options;
            var file = parse.GetValue(config)!;
            if (!file.Exists)
            {
                throw new FileNotFoundException($"config file not found: {file.FullName}", file.FullName);
            }

            try
            {
                options = RouterConfigLoader.LoadFile(file.FullName);
            }
            catch (RouterConfigException e)
            {
                // Every error, one per line, each with its place in the file: fix them all in one go.
                await Console.Error.WriteLineAsync($"error: {e.Errors.Count} error(s) in {file.FullName}:").ConfigureAwait(false);
                foreach (var error in e.Errors)
                {
                    await Console.Error.WriteLineAsync("  " + error).ConfigureAwait(false);
                }

                return ExitCodes.InvalidFormat;
            }

            options.Host = parse.GetValue(host)!;
            options.Port = parse.GetValue(port);
            await using var app = RouterHost.CreateApp(options);
            await app.StartAsync(cancellation).ConfigureAwait(false);
            var address = RouterHost.ListeningAddress(app);
            await Console.Out.WriteLineAsync($"hearth router: listening on {address} ({options.Backends.Count} backend(s), strategy {options.Routing.Strategy})").ConfigureAwait(false);
            await Console.Out.FlushAsync(cancellation).ConfigureAwait(false);
            await CommandHost.RunUntilStoppedAsync(app, cancellation).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
