using System.CommandLine;
using Hearth.Engine;
using Hearth.Engine.Generation;
using Hearth.Engine.Sampling;

namespace Hearth.Cli.Commands;

/// <summary>
/// `hearth run MODEL [PROMPT]`: streams a completion of PROMPT, or without one opens an interactive
/// chat that uses the model's chat template and keeps the conversation in the KV cache.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Model file (.gguf) or a name in the model store." };
        var prompt = new Argument<string?>("prompt") { Description = "Text to complete; omit for an interactive chat.", Arity = ArgumentArity.ZeroOrOne };
        var maxTokens = new Option<int>("-n", "--num-predict") { Description = "Tokens to generate (-1: until the model stops or the context is full).", DefaultValueFactory = _ => -1 };
        var temp = new Option<float>("--temp") { Description = "Temperature (0 = greedy).", DefaultValueFactory = _ => 0.8f };
        var topK = new Option<int>("--top-k") { Description = "Top-k (0 = off).", DefaultValueFactory = _ => 40 };
        var topP = new Option<float>("--top-p") { Description = "Top-p (1 = off).", DefaultValueFactory = _ => 0.95f };
        var minP = new Option<float>("--min-p") { Description = "Min-p (0 = off).", DefaultValueFactory = _ => 0.05f };
        var seed = new Option<ulong?>("--seed") { Description = "Random seed for reproducible output." };
        var threads = new Option<int>("--threads", "-t") { Description = "Worker threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var ctx = new Option<int?>("--ctx", "-c") { Description = "Context length (default: the model's, at most 4096)." };
        var verbose = new Option<bool>("--verbose") { Description = "Print prompt and generation speed." };

        var command = new Command("run", "Generate text from a prompt, or chat interactively.") { model, prompt, maxTokens, temp, topK, topP, minP, seed, threads, ctx, verbose };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var sampling = new SamplerOptions
            {
                Temperature = parse.GetValue(temp),
                TopK = parse.GetValue(topK),
                TopP = parse.GetValue(topP),
                MinP = parse.GetValue(minP),
                Seed = parse.GetValue(seed),
            };
            sampling.Validate();
            var path = ModelLocator.Resolve(parse.GetValue(model)!);
            // 4096 keeps the F16 KV cache of a 128k-context model from claiming gigabytes by default.
            using var loaded = Model.Load(path, new ModelOptions { Threads = parse.GetValue(threads), ContextLength = parse.GetValue(ctx) ?? 4096 });
            var cache = loaded.CreateCache(1, loaded.Info.ContextLength);
            var sequence = new Sequence(loaded, cache, 0);
            var options = new GenerationOptions { MaxTokens = parse.GetValue(maxTokens), Sampling = sampling };
            var session = new RunSession(loaded, sequence, options, parse.GetValue(verbose));
            var text = parse.GetValue(prompt);
            if (text is not null)
            {
                var tokens = loaded.Tokenizer.Encode(text, addSpecial: true, parseSpecial: false);
                await session.StreamAsync(tokens, cancellationToken).ConfigureAwait(false);
                Console.WriteLine();
                return ExitCodes.Ok;
            }

            return await session.ChatAsync(Console.In, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
