using System.Globalization;
using Hearth.Server.Inference;

namespace Hearth.Server.Ollama;

/// <summary>The "details" object of /api/tags, /api/show and /api/ps.</summary>
internal sealed record OllamaModelDetails(
    string ParentModel,
    string Format,
    string Family,
    IReadOnlyList<string> Families,
    string ParameterSize,
    string QuantizationLevel)
{
    public static OllamaModelDetails From(ModelFacts? facts) => facts is null
        ? new OllamaModelDetails(string.Empty, "gguf", string.Empty, [], string.Empty, string.Empty)
        : new OllamaModelDetails(string.Empty, "gguf", facts.Architecture, [facts.Architecture], FormatCount(facts.ParameterCount), facts.Quantization);

    /// <summary>"1.2B", "135M", "8.0K": Ollama's style.</summary>
    public static string FormatCount(long count) => count switch
    {
        >= 1_000_000_000 => (count / 1e9).ToString("0.#", CultureInfo.InvariantCulture) + "B",
        >= 1_000_000 => (count / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 1_000 => (count / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "K",
        _ => count.ToString(CultureInfo.InvariantCulture),
    };
}
