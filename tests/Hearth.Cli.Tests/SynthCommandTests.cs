using Hearth.Gguf;
using Hearth.Testing;

namespace Hearth.Cli.Tests;

public sealed class SynthCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hearth-synth-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Synth_ref_256_writes_a_loadable_model_with_the_reference_layout()
    {
        string outPath = Path.Combine(_dir, "ref.gguf");
        var (code, stdout, stderr) = HearthProcess.Run("synth", "--shape", "ref-256", "--type", "Q4_K_M",
            "--vocab", SharedData.ReferenceModel("vocab-spm-4096.gguf"), "--seed", "5", "-o", outPath);
        Assert.True(code == 0, stderr);
        Assert.Contains("output.weight", stdout, StringComparison.Ordinal);

        // Same shape, vocabulary and recipe as the reference's Q4_K_M model: same tensor types and sizes.
        using var mine = GgufFile.Open(outPath);
        using var reference = GgufFile.Open(SharedData.ReferenceModel("llama-spm-q4_k_m.gguf"));
        Assert.Equal(
            reference.Tensors.Select(t => (t.Name, t.Type, string.Join(",", t.Dimensions))).OrderBy(t => t.Name, StringComparer.Ordinal),
            mine.Tensors.Select(t => (t.Name, t.Type, string.Join(",", t.Dimensions))).OrderBy(t => t.Name, StringComparer.Ordinal));
        Assert.Equal(reference.Metadata.GetStringArray("tokenizer.ggml.tokens"), mine.Metadata.GetStringArray("tokenizer.ggml.tokens"));
        Assert.Equal(15, mine.Metadata.GetInteger("general.file_type"));
    }

    [Fact]
    public void Unknown_shape_fails_listing_the_known_shapes()
    {
        var (code, _, stderr) = HearthProcess.Run("synth", "--shape", "llama-70b", "--type", "Q4_0",
            "--vocab", SharedData.ReferenceModel("vocab-spm-4096.gguf"), "-o", Path.Combine(_dir, "x.gguf"));
        Assert.NotEqual(0, code);
        Assert.Contains("llama-1b", stderr, StringComparison.Ordinal);
        Assert.Contains("ref-256", stderr, StringComparison.Ordinal);
    }
}
