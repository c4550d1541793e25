namespace Hearth.Numerics;

/// <summary>
/// GELU with the tanh approximation, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), computed as the reference's CPU
/// backend does (ggml_vec_geglu_f32 with GGML_GELU_FP16): x is rounded to F16 and looked up in a table of the F16
/// results, except below -10 (0) and above 10 (x). The table holds every F16 input, so this is exact to the reference
/// and costs a conversion and a load per element.
/// </summary>
public static class Gelu
{
    private static readonly Lazy<Half[]> Table = new(Build);

    /// <summary>GELU-tanh of one value, exactly as the table holds it.</summary>
    public static float Of(float x) =>
        x <= -10f ? 0f : x >= 10f ? x : (float)Table.Value[BitConverter.HalfToUInt16Bits((Half)x)];

    /// <summary>gate[i] = gelu(gate[i]) * up[i] (gemma's gated feed-forward, ggml_geglu_split).</summary>
    public static void Gated(Span<float> gate, ReadOnlySpan<float> up)
    {
        if (up.Length < gate.Length)
        {
            throw new ArgumentException($"up has {up.Length} values, gate {gate.Length}.", nameof(up));
        }

        var table = Table.Value;
        for (var i = 0; i < gate.Length; i++)
        {
            var x = gate[i];
            var g = x <= -10f ? 0f : x >= 10f ? x : (float)table[BitConverter.HalfToUInt16Bits((Half)x)];
            gate[i] = g * up[i];
        }
    }

    /// <summary>The formula in f32 (ggml_gelu_f32).</summary>
    public static float Exact(float x) => 0.5f * x * (1f + MathF.Tanh(0.79788456080286535587989211986876f * x * (1f + (0.044715f * x * x))));

    private static Half[] Build()
    {
        var table = new Half[65536];
        for (var i = 0; i < table.Length; i++)
        {
            table[i] = (Half)Exact((float)BitConverter.UInt16BitsToHalf((ushort)i));
        }

        return table;
    }
}
