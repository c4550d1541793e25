namespace Hearth.Numerics;

/// <summary>
/// GELU with the tanh approximation, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), computed as the reference's CPU
/// backend does (ggml_vec_geglu_f32 with GGML_GELU_FP16): x is rounded to F16 and looked up in a table of the F16
/// results, except below -10 (0) and above 10 (x). The table holds every F16 input, so this is exact to the reference
/// and costs a conversion and a load per element.
/// </summary>
public static class Gelu
{
    private static readonly Lazy<float[]> Table = new(Build);   // the F16 results, widened: no conversion per lookup

    /// <summary>GELU-tanh of one value, exactly as the table holds it.</summary>
    public static float Of(float x) =>
        x <= -10f ? 0f : x >= 10f ? x : Table.Value[BitConverter.HalfToUInt16Bits((Half)x)];

    /// <summary>gate[i] = gelu(gate[i]) * up[i] (gemma's gated feed-forward, ggml_geglu_split).</summary>
    public static void Gated(Span<float> gate, ReadOnlySpan<float> up)
    {
        if (up.Length < gate.Length)
        {
            throw new ArgumentException($"up has {up.Length} values, gate {gate.Length}.", nameof(up));
        }

        // F16 rounding in vectorized chunks (a scalar float-to-Half conversion costs more than the lookup).
        var table = Table.Value;
        Span<Half> halves = stackalloc Half[256];
        for (var start = 0; start < gate.Length; start += halves.Length)
        {
            var chunk = gate.Slice(start, Math.Min(halves.Length, gate.Length - start));
            var h = halves[..chunk.Length];
            System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(chunk, h);
            for (var i = 0; i < chunk.Length; i++)
            {
                var x = chunk[i];
                var g = x <= -10f ? 0f : x >= 10f ? x : table[BitConverter.HalfToUInt16Bits(h[i])];
                chunk[i] = g * up[start + i];
            }
        }
    }

    /// <summary>The formula in f32 (ggml_gelu_f32).</summary>
    public static float Exact(float x) => 0.5f * x * (1f + MathF.Tanh(0.79788456080286535587989211986876f * x * (1f + (0.044715f * x * x))));

    private static float[] Build()
    {
        var table = new float[65536];
        for (var i = 0; i < table.Length; i++)
        {
            table[i] = (float)(Half)Exact((float)BitConverter.UInt16BitsToHalf((ushort)i));
        }

        return table;
    }
}
