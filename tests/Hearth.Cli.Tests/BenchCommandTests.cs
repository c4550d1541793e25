using Hearth.Testing;

namespace Hearth.Cli.Tests;

/// <summary>`hearth bench` prints a llama-bench shaped markdown table plus load time and memory.</summary>
public sealed class BenchCommandTests : IDisposable
{
    private readonly StoreCli cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Prints_one_row_per_thread_count_and_test()
    {
        var result = await cli.RunAsync("bench", SharedData.Model("llama-2-tiny-random.gguf"), "-p", "8", "-n", "4", "-t", "1,2", "-r", "2");
        Assert.Equal(0, result.ExitCode);
        var rows = result.Stdout.Split('\n').Where(l => l.StartsWith("| LLaMA v2 ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(4, rows.Length);
        Assert.Matches(@"\| f16 \| 0\.00 GiB \| 0\.00 B \| 1 \| pp8 \| [\d.]+ \| [\d.]+ \| [\d.]+ \|", rows[0]);
        Assert.Contains("| 1 | tg4 |", rows[1], StringComparison.Ordinal);
        Assert.Contains("| 2 | pp8 |", rows[2], StringComparison.Ordinal);
        Assert.Matches(@"load time: [\d.]+ s; RSS after load: \d+ MiB; peak RSS \(VmHWM\): \d+ MiB", result.Stdout);
    }

    [Fact]
    public async Task Batched_generation_rows_report_each_sequence_count()
    {
        var result = await cli.RunAsync("bench", SharedData.Model("llama-2-tiny-random.gguf"), "-p", "0", "-n", "4", "-t", "2", "-r", "2", "-b", "1,3");
        Assert.Equal(0, result.ExitCode);
        var rows = result.Stdout.Split('\n').Where(l => l.StartsWith("| LLaMA v2 ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, rows.Length);
        Assert.Contains("| 2 | tg4 |", rows[0], StringComparison.Ordinal);
        Assert.Matches(@"\| 2 \| tg4 x3 \| [\d.]+ \| [\d.]+ \| [\d.]+ \|", rows[1]);
        Assert.Contains("(F16, 3 sequences)", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Depth_rows_run_each_test_after_that_many_cached_tokens()
    {
        // The tiny model's trained context is 4096: depth 4096 plus the test's tokens must still run (as llama-bench allows).
        var result = await cli.RunAsync("bench", SharedData.Model("llama-2-tiny-random.gguf"), "-p", "8", "-n", "4", "-t", "1", "-r", "2", "-d", "0,4096", "-b", "1,2");
        Assert.Equal(0, result.ExitCode);
        var rows = result.Stdout.Split('\n').Where(l => l.StartsWith("| LLaMA v2 ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(6, rows.Length);
        Assert.Contains("| 1 | pp8 |", rows[0], StringComparison.Ordinal);
        Assert.Contains("| 1 | tg4 x2 |", rows[2], StringComparison.Ordinal);
        Assert.Matches(@"\| 1 \| pp8 @ d4096 \| [\d.]+ \| [\d.]+ \| [\d.]+ \|", rows[3]);
        Assert.Contains("| 1 | tg4 @ d4096 |", rows[4], StringComparison.Ordinal);
        Assert.Contains("| 1 | tg4 x2 @ d4096 |", rows[5], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_depth_is_invalid_input()
    {
        var result = await cli.RunAsync("bench", SharedData.Model("llama-2-tiny-random.gguf"), "-d", "-5");
        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Contains("-d: '-5'", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generation_at_a_depth_starts_after_that_many_cached_tokens()
    {
        // gemma3's sliding-window rings (window 8 + a pass of 512) hold the depth of 600 only as a ring.
        var result = await cli.RunAsync("bench", SharedData.ReferenceModel("gemma3-spm-q8_0.gguf"), "-p", "0", "-n", "4", "-t", "2", "-r", "1", "-d", "600");
        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"\| 2 \| tg4 @ d600 \| [\d.]+ \| [\d.]+ \| [\d.]+ \|", result.Stdout);
    }

    [Fact]
    public async Task Bad_sequence_count_is_invalid_input()
    {
        var result = await cli.RunAsync("bench", SharedData.Model("llama-2-tiny-random.gguf"), "-b", "0");
        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Contains("-b: '0'", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_thread_list_is_invalid_input()
    {
        var result = await cli.RunAsync("bench", SharedData.Model("llama-2-tiny-random.gguf"), "-t", "0");
        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
    }
}
