using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hearth.Engine;
using Hearth.Numerics;

namespace Hearth.Cli.Commands;

/// <summary>
/// `hearth bench`: prompt processing (pp: one batch of -p tokens) and generation (tg: -n tokens one
/// at a time from an empty cache) in tokens/s, min/median/max over -r runs after one warm-up, per
/// thread count, as a markdown table shaped like llama-bench's; then load time and memory
/// (VmRSS after load, VmHWM peak, from /proc/self/status). `-b 1,4` adds batched generation (what a server's
/// continuous batching runs): B sequences generating -n tokens each, one batched forward pass per step, reported as
/// aggregate tokens/s in rows `tg{n} x{B}`.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "GGUF model file" };
        var prompt = new Option<int>("-p") { Description = "Prompt tokens for the pp test (0 = skip)", DefaultValueFactory = _ => 512 };
        var gen = new Option<int>("-n") { Description = "Generated tokens for the tg test (0 = skip)", DefaultValueFactory = _ => 128 };
        var threads = new Option<string>("-t") { Description = "Comma-separated thread counts", DefaultValueFactory = _ => Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture) };
        var reps = new Option<int>("-r") { Description = "Timed runs per test (after one warm-up)", DefaultValueFactory = _ => 3 };
        var batches = new Option<string>("-b") { Description = "Comma-separated sequence counts for the tg test (batched generation; aggregate tokens/s)", DefaultValueFactory = _ => "1" };
        var depth = new Option<int>("-d") { Description = "Context depth: tokens already in the cache when the tg test starts (llama-bench's -d)", DefaultValueFactory = _ => 0 };
        var command = new Command("bench", "Measure prompt and generation speed (llama-bench style)") { model, prompt, gen, threads, reps, batches, depth };
        command.SetAction(parse =>
        {
            var p = parse.GetValue(prompt);
            var n = parse.GetValue(gen);
            var r = parse.GetValue(reps);
            var d = parse.GetValue(depth);
            if (p < 0 || n < 0 || r < 1 || d < 0)
            {
                throw new ArgumentException("-p, -n and -d must be >= 0, -r >= 1.");
            }

            var threadCounts = PositiveList(parse.GetValue(threads)!, "-t", "a thread count");
            var batchSizes = PositiveList(parse.GetValue(batches)!, "-b", "a sequence count");
            Run(parse.GetValue(model)!.FullName, p, n, threadCounts, r, Console.Out, batchSizes, d);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static int[] PositiveList(string text, string option, string what) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{option}: '{s}' is not {what}."))
            .ToArray();

    internal static void Run(string path, int p, int n, int[] threadCounts, int reps, TextWriter output, int[]? batchSizes = null, int depth = 0)
    {
        batchSizes ??= [1];
        var slots = batchSizes.Max();
        output.WriteLine($"| model | type | size | params | threads | test | t/s min | t/s median | t/s max |");
        output.WriteLine($"| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |");
        double? loadSeconds = null;
        long rssAfterLoad = 0;
        long kvBytes = 0;
        ModelInfo? info = null;
        foreach (var t in threadCounts)
        {
            var sw = Stopwatch.StartNew();
            using var m = Model.Load(path, new ModelOptions { Threads = t, ContextLength = depth + Math.Max(p, n) + 1 });
            sw.Stop();
            if (loadSeconds is null)
            {
                loadSeconds = sw.Elapsed.TotalSeconds;
                rssAfterLoad = ProcStatus("VmRSS");
            }

            info = m.Info;
            var cache = m.CreateCache(slots, depth + Math.Max(p, n) + 1);
            kvBytes = cache.SizeBytes;
            var random = new Random(42);
            var logits = new float[slots * m.Info.VocabSize];
            if (p > 0)
            {
                var batch = Enumerable.Range(0, p).Select(i => new BatchToken(random.Next(m.Info.VocabSize), i, 0, i == p - 1)).ToArray();
                var rates = Measure(reps, () =>
                {
                    cache.Clear(0);
                    m.Forward(batch, cache, logits);
                    return p;
                });
                Row(output, m.Info, t, $"pp{p}", rates);
            }

            // At a depth, each sequence first gets that many tokens (untimed); every run then continues from there.
            for (var s = 0; s < (n > 0 && depth > 0 ? slots : 0); s++)
            {
                cache.Clear(s);
                m.Forward(Enumerable.Range(0, depth).Select(i => new BatchToken(random.Next(m.Info.VocabSize), i, s, false)).ToArray(), cache, logits);
            }

            foreach (var b in n > 0 ? batchSizes : [])
            {
                var rates = Measure(reps, () =>
                {
                    var step = new BatchToken[b];
                    for (var s = 0; s < b; s++)
                    {
                        cache.Truncate(s, depth);
                    }

                    for (var i = depth; i < depth + n; i++)
                    {
                        for (var s = 0; s < b; s++)
                        {
                            step[s] = new BatchToken(random.Next(m.Info.VocabSize), i, s, true);
                        }

                        m.Forward(step, cache, logits.AsSpan(0, b * m.Info.VocabSize));
                    }

                    return n * b;
                });
                Row(output, m.Info, t, (b == 1 ? $"tg{n}" : $"tg{n} x{b}") + (depth > 0 ? $" @ d{depth}" : string.Empty), rates);
            }
        }

        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load time: {loadSeconds:F3} s; RSS after load: {Mib(rssAfterLoad)} MiB; peak RSS (VmHWM): {Mib(ProcStatus("VmHWM"))} MiB; " +
            $"file: {Mib(info?.FileSize ?? 0)} MiB; KV cache: {Mib(kvBytes)} MiB (F16{(slots > 1 ? $", {slots} sequences" : string.Empty)}); kernels: {WeightKernels.InstructionSet}; CPU: {CpuModel()}"));
    }

    private static double[] Measure(int reps, Func<int> run)
    {
        run();   // warm-up: JIT, page-in of the mapped weights
        var rates = new double[reps];
        for (var i = 0; i < reps; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var tokens = run();
            rates[i] = tokens / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        Array.Sort(rates);
        return rates;
    }

    private static void Row(TextWriter output, ModelInfo info, int threads, string test, double[] sorted) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {info.Name} | {info.WeightType} | {info.FileSize / (1024.0 * 1024 * 1024):F2} GiB | {info.ParameterCount / 1e9:F2} B | {threads} | {test} | {sorted[0]:F2} | {sorted[sorted.Length / 2]:F2} | {sorted[^1]:F2} |"));

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("F0", CultureInfo.InvariantCulture);

    /// <summary>A /proc/self/status field in bytes (0 where /proc is absent).</summary>
    internal static long ProcStatus(string field)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
        {
            return 0;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var kb = line[(field.Length + 1)..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    private static string CpuModel()
    {
        const string path = "/proc/cpuinfo";
        return File.Exists(path)
            ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown"
            : "unknown";
    }
}
