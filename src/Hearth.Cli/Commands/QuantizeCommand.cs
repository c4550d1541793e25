using System.CommandLine;
using Hearth.Numerics.Quantization;

namespace Hearth.Cli.Commands;

/// <summary>
/// `hearth quantize in.gguf out.gguf TYPE`: converts an F32/F16/BF16 model to TYPE with the reference
/// quantizer's rules (same bytes as llama-quantize without an importance matrix), streaming tensor by tensor.
/// </summary>
internal static class QuantizeCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("input") { Description = "Model to quantize (GGUF with F32, F16 or BF16 tensors)" };
        var output = new Argument<FileInfo>("output") { Description = "GGUF file to write" };
        var type = new Argument<string>("type") { Description = "Target type: " + string.Join(", ", QuantizationTarget.Names) + " (case-insensitive)" };
        var pure = new Option<bool>("--pure") { Description = "Every matrix in TYPE (no Q6_K output matrix or per-layer mix), like llama-quantize --pure" };
        var threads = new Option<int>("--threads", "-t") { Description = "Threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("quantize", "Quantize a GGUF model (F32/F16/BF16 in) to a smaller weight type") { input, output, type, pure, threads };
        command.SetAction(parse =>
        {
            var target = QuantizationTarget.Parse(parse.GetValue(type)!);
            if (parse.GetValue(pure))
            {
                target = target.AsPure();
            }

            var inPath = parse.GetValue(input)!.FullName;
            var outPath = parse.GetValue(output)!.FullName;
            if (!File.Exists(inPath))
            {
                throw new FileNotFoundException($"Model file not found: {inPath}", inPath);
            }

            if (string.Equals(Path.GetFullPath(inPath), Path.GetFullPath(outPath), StringComparison.Ordinal))
            {
                throw new ArgumentException("The output file must differ from the input file.");
            }

            Console.Out.WriteLine($"quantizing {inPath} to {target.Name}{(target.Pure ? " (pure)" : string.Empty)}");
            var printer = new QuantizeProgressPrinter(Console.Out);
            ModelQuantizer.Quantize(inPath, outPath, target, printer, Math.Max(1, parse.GetValue(threads)));
            printer.Summary(outPath);
            return ExitCodes.Ok;
        });
        return command;
    }
}
