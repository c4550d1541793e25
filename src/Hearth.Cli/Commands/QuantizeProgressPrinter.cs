using System.Diagnostics;
using System.Globalization;
using Hearth.Gguf;
using Hearth.Numerics.Quantization;

namespace Hearth.Cli.Commands;

/// <summary>Prints one line per tensor as quantize/synth write it, and a summary at the end.</summary>
internal sealed class QuantizeProgressPrinter(TextWriter output) : IProgress<TensorProgress>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _bytes;

    public void Report(TensorProgress p)
    {
        _bytes += p.OutputBytes;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{p.Index,4}/{p.Count,4}] {p.Name,-32} {"[" + string.Join(", ", p.Dimensions) + "]",-14} {GgmlTypeInfo.Name(p.From),5} -> {GgmlTypeInfo.Name(p.To),-5} {p.OutputBytes / 1048576.0,9:F2} MiB"));
    }

    public void Summary(string path)
    {
        long size = new FileInfo(path).Length;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {path}: {size / 1048576.0:F2} MiB ({size} bytes, tensor data {_bytes / 1048576.0:F2} MiB) in {_clock.Elapsed.TotalSeconds:F1} s"));
    }
}
