using Hearth.Gguf;
using Hearth.Testing;

namespace Hearth.Engine.Tests;

/// <summary>
/// Phi-3.5 / Phi-4-mini's LongRoPE factors, on copies of the phi3 reference model: rope_factors_short is used while
/// the context stays within rope.scaling.original_context_length, rope_factors_long beyond it, each dividing the
/// angles (so factors of 4 equal linear scaling by 4), and rope.scaling.attn_factor scales cos and sin.
/// </summary>
public sealed class RopeFactorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hearth-rope-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Short_factors_within_the_original_context_long_factors_beyond_it()
    {
        var longRope = Copy("long.gguf", withFactors: true, linear: false);
        var linear = Copy("linear.gguf", withFactors: false, linear: true);
        var c = ReferenceCase.Load("phi3-spm-f32.gguf")[0];

        // Context 2048 = the original one: the short factors (all 1) leave the reference's logits as they are.
        var within = Run(longRope, 2048, c);
        for (var i = 0; i < c.Tokens.Length; i++)
        {
            LogitComparison.AssertPosition(within.AsSpan(i * c.VocabSize, c.VocabSize), c.Positions[i], 0.02f, $"short factors, position {i}");
        }

        // Context 4096: the long factors (all 4) are linear scaling by 4, which the reference model does not have.
        var beyond = Run(longRope, 4096, c);
        var scaled = Run(linear, 4096, c);
        Assert.Equal(scaled, beyond);
        Assert.NotEqual(within, beyond);
    }

    private float[] Run(string path, int context, ReferenceCase c)
    {
        using var model = Model.Load(path, new ModelOptions { Threads = 2, ContextLength = context });
        var cache = model.CreateCache(1, c.Tokens.Length);
        var logits = new float[c.Tokens.Length * c.VocabSize];
        model.Forward(c.Tokens.Select((t, i) => new BatchToken(t, i, 0, true)).ToArray(), cache, logits);
        return logits;
    }

    /// <summary>phi3-spm-f32 with a 4096 context over an original 2048, plus short (1) and long (4) factors, or linear scaling by 4.</summary>
    private string Copy(string name, bool withFactors, bool linear)
    {
        using var source = GgufFile.Open(SharedData.ReferenceModel("phi3-spm-f32.gguf"));
        var writer = new GgufWriter();
        foreach (var (key, value) in source.Metadata)
        {
            writer.SetMetadata(key, value);
        }

        writer.SetMetadata("phi3.context_length", 4096u);
        if (linear)
        {
            writer.SetMetadata("phi3.rope.scaling.type", "linear");
            writer.SetMetadata("phi3.rope.scaling.factor", 4f);
        }

        foreach (var t in source.Tensors)
        {
            writer.AddTensor(t.Name, t.Type, t.Dimensions, source.GetTensorBytes(t).ToArray());
        }

        if (withFactors)
        {
            writer.AddTensor("rope_factors_short.weight", GgmlType.F32, [32], Floats(32, 1f));
            writer.AddTensor("rope_factors_long.weight", GgmlType.F32, [32], Floats(32, 4f));
        }

        var path = Path.Combine(_dir, name);
        writer.WriteTo(path);
        return path;
    }

    private static byte[] Floats(int count, float value) =>
        Enumerable.Repeat(value, count).SelectMany(BitConverter.GetBytes).ToArray();
}
