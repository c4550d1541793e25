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
/// aggregate tokens/s in rows `tg{n} x{B}`. `-d 4096` runs each test at a context depth, as `llama-bench -d`: the cache
/// already holds that many tokens (filled once, untimed; each run starts again from them), rows `pp512 @ d4096`.
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
        var depths = new Option<string>("-d") { Description = "Comma-separated context depths: tokens already in the cache when each test starts (llama-bench -d)", DefaultValueFactory = _ => "0" };
        var command = new Command("bench", "Measure prompt and generation speed (llama-bench style)") { model, prompt, gen, threads, reps, batches, depths };
        command.SetAction(parse =>
        {
            var p = parse.GetValue(prompt);
            var n = parse.GetValue(gen);
            var r = parse.GetValue(reps);
            if (p < 0 || n < 0 || r < 1)
            {
                throw new ArgumentException("-p and -n must be >= 0, -r >= 1.");
            }

            var threadCounts = PositiveList(parse.GetValue(threads)!, "-t", "a thread count");
            var batchSizes = PositiveList(parse.GetValue(batches)!, "-b", "a sequence count");
            var depthList = NonNegativeList(parse.GetValue(depths)!, "-d", "a context depth");
            Run(parse.GetValue(model)!.FullName, p, n, threadCounts, r, Console.Out, batchSizes, depthList);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static int[] PositiveList(string text, string option, string what) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{option}: '{s}' is not {what}."))
            .ToArray();

    private static int[] NonNegativeList(string text, string option, string what) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"{option}: '{s}' is not {what}."))
            .ToArray();

    internal static void Run(string path, int p, int n, int[] threadCounts, int reps, TextWriter output, int[]? batchSizes = null, int[]? depths = null)
    {
        batchSizes ??= [1];
        depths = depths is { Length: > 0 } ? depths : [0];
        var slots = batchSizes.Max();
        var context = depths.Max() + Math.Max(p, n) + 1;
        output.WriteLine($"| model | type | size | params | threads | test | t/s min | t/s median | t/s max |");
        output.WriteLine($"| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |");
        double? loadSeconds = null;
        long rssAfterLoad = 0;
        long kvBytes = 0;
        ModelInfo? info = null;
        foreach (var t in threadCounts)
        {
            var sw = Stopwatch.StartNew();
            using var m = Model.Load(path, new ModelOptions { Threads = t, ContextLength = context, AllowBeyondTrainedContext = true });
            sw.Stop();
            if (loadSeconds is null)
            {
                loadSeconds = sw.Elapsed.TotalSeconds;
                rssAfterLoad = ProcStatus("VmRSS");
            }

            info = m.Info;
            var cache = m.CreateCache(slots, context);
            kvBytes = cache.SizeBytes;
            var random = new Random(42);
            var logits = new float[slots * m.Info.VocabSize];
            foreach (var depth in depths)
            {
                FillDepth(m, cache, depth, random, logits);
                var at = depth > 0 ? $" @ d{depth}" : string.Empty;
                if (p > 0)
                {
                    var batch = Enumerable.Range(0, p).Select(i => new BatchToken(random.Next(m.Info.VocabSize), depth + i, 0, i == p - 1)).ToArray();
                    var rates = Measure(reps, () => cache.Truncate(0, depth), () =>
                    {
                        m.Forward(batch, cache, logits);
                        return p;
                    });
                    Row(output, m.Info, t, $"pp{p}{at}", rates);
                }

                foreach (var b in n > 0 ? batchSizes : [])
                {
                    var rates = Measure(reps, () => ResetToDepth(cache, b, depth), () =>
                    {
                        var step = new BatchToken[b];
                        for (var i = 0; i < n; i++)
                        {
                            for (var s = 0; s < b; s++)
                            {
                                step[s] = new BatchToken(random.Next(m.Info.VocabSize), depth + i, s, true);
                            }

                            m.Forward(step, cache, logits.AsSpan(0, b * m.Info.VocabSize));
                        }

                        return n * b;
                    });
                    Row(output, m.Info, t, (b == 1 ? $"tg{n}" : $"tg{n} x{b}") + at, rates);
                }
            }
        }

        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load time: {loadSeconds:F3} s; RSS after load: {Mib(rssAfterLoad)} MiB; peak RSS (VmHWM): {Mib(ProcStatus("VmHWM"))} MiB; " +
            $"file: {Mib(info?.FileSize ?? 0)} MiB; KV cache: {Mib(kvBytes)} MiB (F16{(slots > 1 ? $", {slots} sequences" : string.Empty)}); kernels: {WeightKernels.InstructionSet}; CPU: {CpuModel()}"));
    }

    /// <summary>Puts <paramref name="depth"/> random tokens into slot 0, in prompt-sized batches; untimed.</summary>
    private static void FillDepth(Model m, KvCache cache, int depth, Random random, float[] logits)
    {
        const int chunk = 512;
        cache.Clear(0);
        for (var start = 0; start < depth; start += chunk)
        {
            var count = Math.Min(chunk, depth - start);
            var batch = Enumerable.Range(start, count).Select(i => new BatchToken(random.Next(m.Info.VocabSize), i, 0, i == start + count - 1)).ToArray();
            m.Forward(batch, cache, logits);
        }
    }

    /// <summary>Slot 0 back to the filled depth, and every other slot of a batched run starting from the same tokens.</summary>
    private static void ResetToDepth(KvCache cache, int sequences, int depth)
    {
        cache.Truncate(0, depth);
        for (var s = 1; s < sequences; s++)
        {
            cache.CopyPrefix(0, s, depth);
        }
    }

    private static double[] Measure(int reps, Action reset, Func<int> run)
    {
        reset();
        run();   // warm-up: JIT, page-in of the mapped weights
        var rates = new double[reps];
        for (var i = 0; i < reps; i++)
        {
            reset();
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
