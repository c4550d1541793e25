using System.CommandLine;
using Hearth.Server;

namespace Hearth.Cli.Commands;

/// <summary><c>hearth serve</c>: the OpenAI/Ollama-compatible HTTP server (all logic lives in Hearth.Server).</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = new Option<string[]>("--model", "-m")
        {
            Description = "Model to serve: a .gguf path (alias = file name without .gguf) or a store name. Repeatable.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var host = new Option<string>("--host") { Description = "Address to bind (an IP or 'localhost').", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "TCP port; 0 picks a free one.", DefaultValueFactory = _ => 8080 };
        var parallel = new Option<int>("--parallel") { Description = "Sequences decoded together per model (batch slots).", DefaultValueFactory = _ => 4 };
        var ctx = new Option<int?>("--ctx") { Description = "Context per sequence in tokens (default: the model's, at most 4096)." };
        var threads = new Option<int?>("--threads", "-t") { Description = "Engine threads (default: all cores)." };
        var keepAlive = new Option<string>("--keep-alive") { Description = "How long an idle model stays loaded (5m, 1h, 0, -1 = forever).", DefaultValueFactory = _ => "5m" };
        var maxModels = new Option<int>("--max-models") { Description = "Models kept loaded at once.", DefaultValueFactory = _ => 2 };
        var queue = new Option<int>("--queue") { Description = "Requests that may wait for a slot per model before 503.", DefaultValueFactory = _ => 64 };
        var prefill = new Option<int>("--prefill-chunk") { Description = "Prompt tokens per step while others generate (bounds their pauses).", DefaultValueFactory = _ => 64 };
        var apiKey = new Option<string?>("--api-key") { Description = "Require 'Authorization: Bearer KEY' on API routes (or set HEARTH_API_KEY)." };
        var apiKeyEnv = new Option<string>("--api-key-env")
        {
            Description = "Environment variable that holds the API key when --api-key is not given (a container passes its secret this way).",
            DefaultValueFactory = _ => "HEARTH_API_KEY",
        };
        var chatTemplate = new Option<string[]>("--chat-template")
        {
            Description = "Jinja chat template FILE used for every model instead of its own (e.g. one with a tool-calling format), or NAME=FILE for one model. Repeatable.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var modelDefaults = new Option<string[]>("--model-defaults")
        {
            Description = "NAME=FILE: a JSON object of defaults for one model (temperature, top_p, min_p, top_k, repeat_penalty, presence_penalty, "
                + "frequency_penalty, seed, max_tokens, ctx), used when a request leaves them out; ctx sizes its context. Repeatable.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var cors = new Option<string[]>("--cors-origin") { Description = "Allow this browser origin (CORS). Repeatable; off by default.", Arity = ArgumentArity.ZeroOrMore };

        var command = new Command("serve", "Serve models over OpenAI- and Ollama-compatible HTTP, with a web chat at /chat.");
        foreach (var option in new Option[] { model, host, port, parallel, ctx, threads, keepAlive, maxModels, queue, prefill, apiKey, apiKeyEnv, cors, chatTemplate, modelDefaults })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellation) =>
        {
            var options = new ServerOptions
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                Parallel = parse.GetValue(parallel),
                ContextLength = parse.GetValue(ctx),
                Threads = parse.GetValue(threads),
                KeepAlive = Duration.Parse(parse.GetValue(keepAlive)!),
                MaxLoadedModels = parse.GetValue(maxModels),
                QueueCapacity = parse.GetValue(queue),
                PrefillChunk = parse.GetValue(prefill),
                ApiKey = parse.GetValue(apiKey) ?? NullIfEmpty(Environment.GetEnvironmentVariable(parse.GetValue(apiKeyEnv)!)),
            };
            foreach (var (name, file) in (parse.GetValue(chatTemplate) ?? []).Select(ChatTemplateArgument))
            {
                var source = await File.ReadAllTextAsync(file, cancellation).ConfigureAwait(false);
                if (name is null)
                {
                    options.ChatTemplate = options.ChatTemplate is null ? source
                        : throw new ArgumentException("--chat-template: give one template for every model, or NAME=FILE for each model.");
                }
                else
                {
                    options.ModelChatTemplates[name] = source;
                }
            }

            foreach (var value in parse.GetValue(modelDefaults) ?? [])
            {
                var split = value.IndexOf('=', StringComparison.Ordinal);
                if (split <= 0)
                {
                    throw new ArgumentException($"--model-defaults '{value}': give NAME=FILE (the model's name, a JSON file).", "--model-defaults");
                }

                var file = value[(split + 1)..];
                options.ModelDefaults[value[..split]] = ModelDefaults.Parse(await File.ReadAllTextAsync(file, cancellation).ConfigureAwait(false), file);
            }

            foreach (var m in parse.GetValue(model) ?? [])
            {
                options.Models.Add(m);
            }

            foreach (var origin in parse.GetValue(cors) ?? [])
            {
                options.CorsOrigins.Add(origin);
            }

            await using var app = HearthServer.CreateApp(options);
            await app.StartAsync(cancellation).ConfigureAwait(false);
            var address = HearthServer.ListeningAddress(app);
            await Console.Out.WriteLineAsync($"hearth: listening on {address} (web chat: {new Uri(address, "/chat")})").ConfigureAwait(false);
            await Console.Out.FlushAsync(cancellation).ConfigureAwait(false);
            await CommandHost.RunUntilStoppedAsync(app, cancellation).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary><c>FILE</c> (every model) or <c>NAME=FILE</c> (one model; a path that exists as written is always a file).</summary>
    private static (string? Name, string File) ChatTemplateArgument(string value)
    {
        var split = value.IndexOf('=', StringComparison.Ordinal);
        return split > 0 && !File.Exists(value) ? (value[..split], value[(split + 1)..]) : (null, value);
    }
}
