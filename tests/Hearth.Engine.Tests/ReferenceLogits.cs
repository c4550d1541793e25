using System.Text.Json;
using System.Text.Json.Serialization;
using Hearth.Testing;

namespace Hearth.Engine.Tests;

/// <summary>One line of shared/reference/logits/&lt;model&gt;.jsonl (see shared/README.md).</summary>
internal sealed record ReferenceCase(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("n_vocab")] int VocabSize,
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("prompt_tokens")] int[] PromptTokens,
    [property: JsonPropertyName("greedy")] int[] Greedy,
    [property: JsonPropertyName("tokens")] int[] Tokens,
    [property: JsonPropertyName("positions")] ReferencePosition[] Positions)
{
    public static IReadOnlyList<ReferenceCase> Load(string modelFile)
    {
        var path = SharedData.Path("reference", "logits", Path.ChangeExtension(modelFile, ".jsonl"));
        return File.ReadLines(path)
            .Where(l => l.Length > 0)
            .Select(l => JsonSerializer.Deserialize<ReferenceCase>(l) ?? throw new InvalidDataException(path))
            .ToList();
    }

    /// <summary>tol from shared/README.md: 0.02 for f32/f16/bf16 weights, 0.25 for quantized ones.</summary>
    public static float Tolerance(string modelFile) =>
        modelFile.Contains("-f32", StringComparison.Ordinal) || modelFile.Contains("-f16", StringComparison.Ordinal)
        || modelFile.Contains("-bf16", StringComparison.Ordinal) || modelFile.StartsWith("llama-2-tiny", StringComparison.Ordinal)
            ? 0.02f : 0.25f;

    public static bool IsFloat(string modelFile) => Tolerance(modelFile) < 0.1f;
}

internal sealed record ReferencePosition([property: JsonPropertyName("top")] float[][] Top)
{
    public int TopId(int rank) => (int)Top[rank][0];

    public float TopLogit(int rank) => Top[rank][1];

    public float Margin => Top[0][1] - Top[1][1];
}
