using System.Diagnostics;
using Hearth.Gguf;
using Hearth.Testing;

namespace Hearth.Cli.Tests;

/// <summary>Runs the built CLI (hearth.dll next to the tests) as a process.</summary>
internal static class HearthProcess
{
    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hearth.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}

public sealed class QuantizeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hearth-quantize-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Quantize_to_Q4_K_M_writes_the_reference_file_byte_for_byte()
    {
        string outPath = Path.Combine(_dir, "out.gguf");
        var (code, stdout, stderr) = HearthProcess.Run("quantize", SharedData.ReferenceModel("llama-spm-f32.gguf"), outPath, "q4_k_m");
        Assert.True(code == 0, stderr);
        Assert.Contains("[  21/  21]", stdout, StringComparison.Ordinal);
        Assert.Contains("output.weight", stdout, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(SharedData.ReferenceModel("llama-spm-q4_k_m.gguf")), File.ReadAllBytes(outPath));
    }

    [Fact]
    public void Pure_Q4_0_matches_the_shared_pure_file_types()
    {
        string outPath = Path.Combine(_dir, "pure.gguf");
        var (code, _, stderr) = HearthProcess.Run("quantize", SharedData.ReferenceModel("llama-spm-f32.gguf"), outPath, "Q4_0", "--pure", "-t", "1");
        Assert.True(code == 0, stderr);
        using var mine = GgufFile.Open(outPath);
        using var reference = GgufFile.Open(SharedData.ReferenceModel("llama-spm-q4_0.gguf"));
        Assert.Equal(reference.Tensors.Select(t => (t.Name, t.Type)), mine.Tensors.Select(t => (t.Name, t.Type)));
        Assert.Equal(2, mine.Metadata.GetInteger("general.file_type"));
    }

    [Fact]
    public void Unknown_type_fails_listing_the_valid_types()
    {
        var (code, _, stderr) = HearthProcess.Run("quantize", SharedData.ReferenceModel("llama-spm-f32.gguf"), Path.Combine(_dir, "x.gguf"), "Q7_X");
        Assert.NotEqual(0, code);
        Assert.Contains("Q7_X", stderr, StringComparison.Ordinal);
        Assert.Contains("Q4_K_M", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "x.gguf")));
    }

    [Fact]
    public void Already_quantized_input_fails_clearly()
    {
        var (code, _, stderr) = HearthProcess.Run("quantize", SharedData.ReferenceModel("llama-spm-q8_0.gguf"), Path.Combine(_dir, "x.gguf"), "Q4_0");
        Assert.NotEqual(0, code);
        Assert.Contains("already quantized", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "x.gguf")));
    }
}
