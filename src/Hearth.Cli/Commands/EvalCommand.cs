using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hearth.Engine;

namespace Hearth.Cli.Commands;

/// <summary>
/// `hearth eval`: the model's logits as JSON in the schema of shared/reference/logits (model, n_vocab,
/// prompt, prompt_tokens, greedy, tokens, positions[].top), so Hearth and the reference can be diffed.
/// With --prompt: free-running greedy continuation of up to -n tokens (stopping after an end-of-generation
/// token), then teacher-forced logits over prompt + greedy[:-1] in one batch. With --tokens: teacher-forced
/// logits for exactly those ids.
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "GGUF model file" };
        var prompt = new Option<string?>("--prompt") { Description = "Prompt text (tokenized with the model's vocabulary, BOS as the vocabulary says)" };
        var count = new Option<int>("-n") { Description = "Greedy tokens to generate after the prompt", DefaultValueFactory = _ => 32 };
        var tokens = new Option<string?>("--tokens") { Description = "Comma-separated token ids to evaluate teacher-forced (instead of --prompt)" };
        var top = new Option<int>("--top") { Description = "Logits to print per position (best first)", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--threads", "-t") { Description = "Threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("eval", "Print a model's logits as JSON (reference-logits schema)") { model, prompt, count, tokens, top, threads };
        command.SetAction(parse =>
        {
            var promptText = parse.GetValue(prompt);
            var tokenList = parse.GetValue(tokens);
            if ((promptText is null) == (tokenList is null))
            {
                throw new ArgumentException("Give exactly one of --prompt or --tokens.");
            }

            var n = parse.GetValue(count);
            var k = parse.GetValue(top);
            if (n < 0 || k < 1)
            {
                throw new ArgumentException("-n must be >= 0 and --top >= 1.");
            }

            var path = parse.GetValue(model)!.FullName;
            using var m = Model.Load(path, new ModelOptions { Threads = Math.Max(1, parse.GetValue(threads)) });
            var result = tokenList is not null
                ? Evaluate(m, ParseTokens(tokenList), null, 0, k, _ => false)
                : EvaluatePrompt(m, promptText!, n, k);
            using var stdout = Console.OpenStandardOutput();
            Write(stdout, Path.GetFileName(path), m.Info.VocabSize, result);
            return ExitCodes.Ok;
        });
        return command;
    }

    internal sealed record Result(string? Prompt, int[] PromptTokens, int[] Greedy, int[] Tokens, (int Id, float Logit)[][] Positions);

    internal static Result EvaluatePrompt(Model model, string prompt, int n, int k)
    {
        var tokenizer = model.Tokenizer;
        return Evaluate(model, tokenizer.Encode(prompt, addSpecial: true), prompt, n, k, tokenizer.IsEndOfGeneration);
    }

    internal static Result Evaluate(Model model, int[] promptTokens, string? prompt, int n, int k, Func<int, bool> isEnd)
    {
        if (promptTokens.Length == 0)
        {
            throw new ArgumentException("The prompt has no tokens.");
        }

        var vocab = model.Info.VocabSize;
        var greedy = new List<int>();
        var cache = model.CreateCache(1, Math.Min(model.Info.ContextLength, promptTokens.Length + Math.Max(n, 1)));
        if (promptTokens.Length > cache.ContextPerSlot)
        {
            throw new ContextLengthExceededException(promptTokens.Length, cache.ContextPerSlot);
        }

        var logits = new float[vocab];
        if (n > 0)
        {
            var batch = promptTokens.Select((t, i) => new BatchToken(t, i, 0, i == promptTokens.Length - 1)).ToArray();
            model.Forward(batch, cache, logits);
            for (var position = promptTokens.Length; ; position++)
            {
                var next = ArgMax(logits);
                greedy.Add(next);
                if (greedy.Count == n || isEnd(next) || position >= cache.ContextPerSlot)
                {
                    break;
                }

                model.Forward([new BatchToken(next, position, 0, true)], cache, logits);
            }
        }

        int[] tokens = [.. promptTokens, .. greedy.Take(Math.Max(0, greedy.Count - 1))];
        cache.Clear(0);
        var all = new float[tokens.Length * vocab];
        model.Forward(tokens.Select((t, i) => new BatchToken(t, i, 0, true)).ToArray(), cache, all);
        var positions = new (int, float)[tokens.Length][];
        for (var i = 0; i < tokens.Length; i++)
        {
            positions[i] = Top(all.AsSpan(i * vocab, vocab), k);
        }

        return new Result(prompt, promptTokens, [.. greedy], tokens, positions);
    }

    internal static void Write(Stream stream, string modelName, int vocab, Result r)
    {
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("model", modelName);
            json.WriteNumber("n_vocab", vocab);
            if (r.Prompt is null)
            {
                json.WriteNull("prompt");
            }
            else
            {
                json.WriteString("prompt", r.Prompt);
            }

            WriteIds(json, "prompt_tokens", r.PromptTokens);
            WriteIds(json, "greedy", r.Greedy);
            WriteIds(json, "tokens", r.Tokens);
            json.WriteStartArray("positions");
            foreach (var p in r.Positions)
            {
                json.WriteStartObject();
                json.WriteStartArray("top");
                foreach (var (id, logit) in p)
                {
                    json.WriteStartArray();
                    json.WriteNumberValue(id);
                    json.WriteNumberValue(logit);
                    json.WriteEndArray();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
    }

    private static void WriteIds(Utf8JsonWriter json, string name, int[] ids)
    {
        json.WriteStartArray(name);
        foreach (var id in ids)
        {
            json.WriteNumberValue(id);
        }

        json.WriteEndArray();
    }

    internal static int[] ParseTokens(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var ids = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out ids[i]))
            {
                throw new ArgumentException($"--tokens: '{parts[i]}' is not a token id.");
            }
        }

        return ids.Length > 0 ? ids : throw new ArgumentException("--tokens: no token ids given.");
    }

    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static (int Id, float Logit)[] Top(ReadOnlySpan<float> logits, int k)
    {
        k = Math.Min(k, logits.Length);
        var ids = new int[logits.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = i;
        }

        var values = logits.ToArray();
        Array.Sort(values, ids, Comparer<float>.Create((a, b) => b.CompareTo(a)));
        var result = new (int, float)[k];
        for (var i = 0; i < k; i++)
        {
            result[i] = (ids[i], values[i]);
        }

        return result;
    }
}
