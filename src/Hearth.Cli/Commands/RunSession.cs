using System.Globalization;
using System.Text.Json.Nodes;
using Hearth.Engine;
using Hearth.Engine.Generation;

namespace Hearth.Cli.Commands;

/// <summary>The streaming and interactive-chat loop behind `hearth run`.</summary>
internal sealed class RunSession(Model model, Sequence sequence, GenerationOptions options, bool verbose)
{
    private GenerationOptions options = options;

    public async Task<string> StreamAsync(IReadOnlyList<int> prompt, CancellationToken cancellationToken)
    {
        var reply = new System.Text.StringBuilder();
        await foreach (var token in sequence.GenerateAsync(prompt, options, cancellationToken).ConfigureAwait(false))
        {
            Console.Write(token.Text);
            reply.Append(token.Text);
        }

        if (verbose && sequence.LastStats is { } s)
        {
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"\n[prompt: {s.PromptTokens} tokens ({s.CachedPromptTokens} cached), {s.PromptTokensPerSecond:F1} tok/s | generation: {s.GeneratedTokens} tokens, {s.GenerationTokensPerSecond:F1} tok/s | {s.FinishReason}]")).ConfigureAwait(false);
        }

        return reply.ToString();
    }

    /// <summary>Reads user turns until /bye or end of input. Commands: /bye, /clear, /set PARAM VALUE, /help.</summary>
    public async Task<int> ChatAsync(TextReader input, CancellationToken cancellationToken)
    {
        var messages = new JsonArray();
        await Console.Error.WriteLineAsync($"Chatting with {model.Info.Name}. Type /help for commands, /bye to leave.").ConfigureAwait(false);
        while (!cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteAsync(">>> ").ConfigureAwait(false);
            var line = await input.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null || line.Trim() == "/bye")
            {
                return ExitCodes.Ok;
            }

            if (line.StartsWith('/'))
            {
                await Console.Error.WriteLineAsync(HandleCommand(line.Trim(), messages)).ConfigureAwait(false);
                continue;
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            messages.Add(new JsonObject { ["role"] = "user", ["content"] = line });
            var prompt = ChatPrompt.Tokenize(model, messages);
            var reply = await StreamAsync(prompt, cancellationToken).ConfigureAwait(false);
            Console.WriteLine();
            messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = reply });
        }

        return ExitCodes.Interrupted;
    }

    private string HandleCommand(string line, JsonArray messages)
    {
        var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        switch (parts[0])
        {
            case "/clear":
                messages.Clear();
                sequence.Reset();
                return "Conversation cleared.";
            case "/set" when parts.Length == 3 && parts[1] == "system":
                SetSystem(messages, parts[2]);
                sequence.Reset();
                return "System message set.";
            case "/set" when parts.Length == 3:
                return Set(parts[1], parts[2]);
            case "/help":
                return "/set temperature|top_k|top_p|min_p|seed|num_predict|system VALUE, /clear, /bye";
            default:
                return $"Unknown command '{line}'. Type /help.";
        }
    }

    private static void SetSystem(JsonArray messages, string text)
    {
        if (messages.Count > 0 && messages[0]?["role"]?.GetValue<string>() == "system")
        {
            messages.RemoveAt(0);
        }

        messages.Insert(0, new JsonObject { ["role"] = "system", ["content"] = text });
    }

    private string Set(string name, string value)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = options.Sampling;
        try
        {
            options = name switch
            {
                "temperature" or "temp" => options with { Sampling = s with { Temperature = float.Parse(value, inv) } },
                "top_k" => options with { Sampling = s with { TopK = int.Parse(value, inv) } },
                "top_p" => options with { Sampling = s with { TopP = float.Parse(value, inv) } },
                "min_p" => options with { Sampling = s with { MinP = float.Parse(value, inv) } },
                "seed" => options with { Sampling = s with { Seed = ulong.Parse(value, inv) } },
                "num_predict" => options with { MaxTokens = int.Parse(value, inv) },
                _ => throw new ArgumentException($"Unknown parameter '{name}'."),
            };
            options.Sampling.Validate();
            return $"Set {name} to {value}.";
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException)
        {
            options = options with { Sampling = s };
            return $"Cannot set {name}: {ex.Message}";
        }
    }
}
