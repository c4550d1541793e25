using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Hearth.Gguf;
using Hearth.Tokenizers;

namespace Hearth.Benchmarks;

/// <summary>
/// Encode throughput on 1 MiB of mixed English prose and C++ code, single thread, for the Llama 2 SentencePiece
/// vocabulary and the GPT-2 byte-level BPE vocabulary. One operation = one MiB, so the reported time is seconds
/// per MiB. A fresh tokenizer per iteration keeps the BPE word cache cold at the start of each measurement.
/// Runs in-process (no separate build; the shared machine is slow enough already).
/// Run: dotnet run -c Release --project benchmarks/Hearth.Benchmarks -- --filter '*TokenizerBenchmark*'
/// </summary>
[Config(typeof(InProcessConfig))]
[MinColumn, MedianColumn, MaxColumn]
public class TokenizerBenchmark
{
    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig() => AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(9)
            .WithToolchain(InProcessEmitToolchain.Instance));
    }

    private GgufMetadata? _metadata;
    private GgufFile? _file;
    private Tokenizer? _tokenizer;
    private string _text = string.Empty;

    [Params("llama-spm", "gpt-2")]
    public string Vocabulary { get; set; } = "llama-spm";

    [GlobalSetup]
    public void Setup()
    {
        _file = GgufFile.Open(Path.Combine(SharedDir(), "tokenizer", $"ggml-vocab-{Vocabulary}.gguf"));
        _metadata = _file.Metadata;
        _text = Corpus.Build(1 << 20, seed: 42);
    }

    [IterationSetup]
    public void FreshTokenizer() => _tokenizer = Tokenizer.FromGguf(_metadata!);

    [GlobalCleanup]
    public void Cleanup() => _file?.Dispose();

    [Benchmark]
    public int EncodeOneMiB() => _tokenizer!.Encode(_text, addSpecial: false).Length;

    internal static string SharedDir()
    {
        var env = Environment.GetEnvironmentVariable("HEARTH_SHARED");
        if (!string.IsNullOrEmpty(env))
        {
            return env;
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Hearth.slnx")))
                {
                    return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
                }
            }
        }

        throw new DirectoryNotFoundException("shared test data not found: set HEARTH_SHARED");
    }
}

/// <summary>Deterministic mixed text: prose sentences and C++ lines from built-in snippets, varied by a seeded generator.</summary>
internal static class Corpus
{
    private static readonly string[] Prose =
    [
        "The committee met on {n} March to review the proposal, and most members agreed that the {w} plan was sound.",
        "She walked along the river for {n} minutes before she noticed that the old bridge had been repainted.",
        "In {n}, the company shipped more than {n} units, although analysts had expected a weaker year.",
        "\"Why would anyone build a {w} out of glass?\" he asked, laughing; nobody answered.",
        "Rain fell steadily through the night, and by morning the {w} road was impassable.",
        "It's not that we don't care — it's that we've run out of time, money and patience.",
        "A careful reader will notice the footnote on page {n}, which changes the meaning of the whole chapter.",
        "The recipe calls for {n} grams of flour, two eggs, a pinch of salt and a little {w} butter.",
    ];

    private static readonly string[] Code =
    [
        "#include <vector>\n#include <string>\n",
        "template <typename T>\nstatic T {w}_max(const std::vector<T>& v) {\n    T best = v[0];\n    for (size_t i = 1; i < v.size(); ++i) {\n        if (v[i] > best) best = v[i];\n    }\n    return best;\n}\n",
        "int {w}_count = {n}; // number of {w} entries\n",
        "class {W}Buffer {\npublic:\n    explicit {W}Buffer(size_t n) : data_(n, 0) {}\n    uint8_t& operator[](size_t i) { return data_.at(i); }\nprivate:\n    std::vector<uint8_t> data_;\n};\n",
        "if (status != 0 && retries < {n}) {\n    std::fprintf(stderr, \"retry %d of %d\\n\", retries, {n});\n}\n",
        "for (auto& [key, value] : {w}_map) { total += value * {n}; }\n",
    ];

    private static readonly string[] Words =
        ["amber", "north", "quiet", "river", "copper", "signal", "matrix", "garden", "token", "harbor", "cache", "vector", "stone", "winter"];

    public static string Build(int bytes, int seed)
    {
        var random = new Random(seed);
        var sb = new StringBuilder(bytes + 1024);
        while (Encoding.UTF8.GetByteCount(sb.ToString()) < bytes)
        {
            for (var k = 0; k < 64; k++)
            {
                var code = random.Next(3) == 0;
                var template = code ? Code[random.Next(Code.Length)] : Prose[random.Next(Prose.Length)];
                var word = Words[random.Next(Words.Length)];
                sb.Append(template
                    .Replace("{n}", random.Next(1, 5000).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{w}", word, StringComparison.Ordinal)
                    .Replace("{W}", char.ToUpperInvariant(word[0]) + word[1..], StringComparison.Ordinal));
                sb.Append(code ? "\n" : " ");
                if (random.Next(6) == 0)
                {
                    sb.Append("\n\n");
                }
            }
        }

        // Trim to exactly the requested size on a character boundary.
        var text = sb.ToString();
        var length = text.Length;
        while (Encoding.UTF8.GetByteCount(text.AsSpan(0, length)) > bytes)
        {
            length -= Math.Max(1, (Encoding.UTF8.GetByteCount(text.AsSpan(0, length)) - bytes) / 2);
        }

        if (length > 0 && char.IsHighSurrogate(text[length - 1]))
        {
            length--;
        }

        return text[..length];
    }
}
