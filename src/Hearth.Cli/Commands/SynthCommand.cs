using System.CommandLine;
using Hearth.Gguf;
using Hearth.Numerics.Quantization;
using Hearth.Numerics.Synthesis;

namespace Hearth.Cli.Commands;

/// <summary>
/// `hearth synth --shape llama-1b --type Q4_0 --vocab vocab.gguf --seed 1 -o out.gguf`: writes a random-weight
/// model of a named shape (llama, qwen3moe or gemma3) for benchmarks, deterministic from the seed, streamed so memory stays small.
/// </summary>
internal static class SynthCommand
{
    public static Command Create()
    {
        var shape = new Option<string>("--shape") { Description = "Model shape: " + string.Join(", ", ModelShape.Known.Select(s => s.Name)), Required = true };
        var type = new Option<string>("--type") { Description = "Weight type: " + string.Join(", ", QuantizationTarget.Names), Required = true };
        var vocab = new Option<FileInfo>("--vocab") { Description = "GGUF whose tokenizer.* metadata (vocabulary) the model gets", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Random seed (same seed, same bytes)", DefaultValueFactory = _ => 1 };
        var output = new Option<FileInfo>("--output", "-o") { Description = "GGUF file to write", Required = true };
        var pure = new Option<bool>("--pure") { Description = "Every matrix in TYPE (no mixing rules)" };
        var threads = new Option<int>("--threads", "-t") { Description = "Threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("synth", "Write a random-weight model of a named shape (for benchmarks)") { shape, type, vocab, seed, output, pure, threads };
        command.SetAction(parse =>
        {
            var modelShape = ModelShape.Get(parse.GetValue(shape)!);
            var target = QuantizationTarget.Parse(parse.GetValue(type)!);
            if (parse.GetValue(pure))
            {
                target = target.AsPure();
            }

            var vocabPath = parse.GetValue(vocab)!.FullName;
            var outPath = parse.GetValue(output)!.FullName;
            using var vocabulary = GgufFile.Open(vocabPath);
            Console.Out.WriteLine($"synthesizing {modelShape.Name} as {target.Name} (seed {parse.GetValue(seed)}) into {outPath}");
            var printer = new QuantizeProgressPrinter(Console.Out);
            SyntheticModel.Write(outPath, modelShape, target, vocabulary.Metadata, parse.GetValue(seed), printer, Math.Max(1, parse.GetValue(threads)));
            printer.Summary(outPath);
            return ExitCodes.Ok;
        });
        return command;
    }
}
