using Hearth.Gguf;

namespace Hearth.Numerics.Quantization;

/// <summary>
/// What a model is quantized to: the default tensor type, the file type recorded in general.file_type,
/// and whether the reference's per-tensor mixing rules apply (<see cref="Pure"/> = false) or every
/// quantizable matrix gets the default type.
/// </summary>
/// <remarks>
/// Names follow llama-quantize. F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q6_K and Q4_K_M use the reference's
/// standard recipe (e.g. output.weight becomes Q6_K in a Q4_0 file). Q2_K, Q3_K, Q4_K and Q5_K are the
/// reference's "pure" k-quant files (its Q2_K, Q3_K_M, Q4_K_M and Q5_K_M file types run with --pure):
/// every matrix, output.weight included, in that one type.
/// </remarks>
public sealed record QuantizationTarget(string Name, GgmlType DefaultType, LlamaFileType FileType, bool Pure)
{
    private static readonly QuantizationTarget[] Known =
    [
        new("F16", GgmlType.F16, LlamaFileType.MostlyF16, false),
        new("BF16", GgmlType.BF16, LlamaFileType.MostlyBF16, false),
        new("Q8_0", GgmlType.Q8_0, LlamaFileType.MostlyQ8_0, false),
        new("Q4_0", GgmlType.Q4_0, LlamaFileType.MostlyQ4_0, false),
        new("Q4_1", GgmlType.Q4_1, LlamaFileType.MostlyQ4_1, false),
        new("Q5_0", GgmlType.Q5_0, LlamaFileType.MostlyQ5_0, false),
        new("Q5_1", GgmlType.Q5_1, LlamaFileType.MostlyQ5_1, false),
        new("Q2_K", GgmlType.Q2_K, LlamaFileType.MostlyQ2_K, true),
        new("Q3_K", GgmlType.Q3_K, LlamaFileType.MostlyQ3_K_M, true),
        new("Q4_K", GgmlType.Q4_K, LlamaFileType.MostlyQ4_K_M, true),
        new("Q5_K", GgmlType.Q5_K, LlamaFileType.MostlyQ5_K_M, true),
        new("Q6_K", GgmlType.Q6_K, LlamaFileType.MostlyQ6_K, false),
        new("Q4_K_M", GgmlType.Q4_K, LlamaFileType.MostlyQ4_K_M, false),
    ];

    /// <summary>Every accepted name, in the order help text lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Known.Select(k => k.Name)];

    /// <summary>True when the default type is a block-quantized type (not F16/BF16), so mixing rules and fallbacks apply.</summary>
    public bool IsBlockQuantized => DefaultType is not (GgmlType.F16 or GgmlType.BF16 or GgmlType.F32);

    /// <summary>Looks a name up case-insensitively.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the valid ones.</exception>
    public static QuantizationTarget Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Known.FirstOrDefault(k => string.Equals(k.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown quantization type '{name}'. Valid types: {string.Join(", ", Names)}.", nameof(name));
    }

    /// <summary>The same target with every matrix in the default type (llama-quantize --pure).</summary>
    public QuantizationTarget AsPure() => this with { Pure = true };
}
