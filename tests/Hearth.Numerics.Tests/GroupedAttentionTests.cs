namespace Hearth.Numerics.Tests;

public class GroupedAttentionTests
{
    // Shapes: head sizes with and without an 8-wide tail, groups below, at and above four heads per pass.
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 64, 4, 17 },
        { 128, 8, 5 },
        { 72, 3, 9 },
        { 5, 1, 3 },
        { 64, 6, 1 },
        { 64, 32, 70 },    // eight tokens' heads of one prompt block over more than two 32-row widening blocks
        { 88, 13, 33 },    // an 8-wide and a 16-wide dimension chunk, a partial pass, one row past a block
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Scores_on_every_path_match_per_head_dots(int dim, int group, int count)
    {
        var rng = new Random(dim * 31 + group);
        var stride = dim + 24;   // rows of other KV heads sit in between, as in the cache
        var keys = RandomHalves(rng, ((count - 1) * stride) + dim);
        var queries = RandomFloats(rng, group * dim);
        const float scale = 0.125f;
        foreach (var path in WeightKernels.AvailablePaths)
        {
            var scores = new float[group * count];
            GroupedAttention.ScoresWith(path, keys, stride, count, queries, group, dim, scale, scores);
            for (var g = 0; g < group; g++)
            {
                for (var p = 0; p < count; p++)
                {
                    var expected = Half16.DotWith(KernelPath.Scalar, keys.AsSpan(p * stride, dim), queries.AsSpan(g * dim, dim)) * scale;
                    Assert.True(Math.Abs(scores[(g * count) + p] - expected) <= 1e-5f * (1 + Math.Abs(expected)) * dim,
                        $"{path} head {g} position {p}: {scores[(g * count) + p]} vs {expected}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Accumulate_on_every_path_matches_per_head_sums_and_adds_to_the_output(int dim, int group, int count)
    {
        var rng = new Random(dim * 17 + group);
        var stride = dim + 8;
        var values = RandomHalves(rng, ((count - 1) * stride) + dim);
        var weights = RandomFloats(rng, group * count);
        var start = RandomFloats(rng, group * dim);
        foreach (var path in WeightKernels.AvailablePaths)
        {
            var outputs = (float[])start.Clone();
            GroupedAttention.AccumulateWith(path, values, stride, count, weights, group, dim, outputs);
            for (var g = 0; g < group; g++)
            {
                var expected = start.AsSpan(g * dim, dim).ToArray();
                for (var p = 0; p < count; p++)
                {
                    Half16.AddScaledWith(KernelPath.Scalar, values.AsSpan(p * stride, dim), weights[(g * count) + p], expected);
                }

                for (var i = 0; i < dim; i++)
                {
                    Assert.True(Math.Abs(outputs[(g * dim) + i] - expected[i]) <= 1e-5f * (1 + Math.Abs(expected[i])) * count,
                        $"{path} head {g} element {i}: {outputs[(g * dim) + i]} vs {expected[i]}");
                }
            }
        }
    }

    [Fact]
    public void Short_buffers_are_rejected()
    {
        var keys = new Half[64];
        Assert.Throws<ArgumentException>(() => GroupedAttention.Scores(keys, 64, 2, new float[64], 1, 64, 1f, new float[2]));
        Assert.Throws<ArgumentException>(() => GroupedAttention.Scores(keys, 64, 1, new float[32], 1, 64, 1f, new float[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => GroupedAttention.Accumulate(keys, 32, 1, new float[1], 1, 64, new float[64]));
    }

    private static Half[] RandomHalves(Random rng, int n)
    {
        var h = new Half[n];
        for (var i = 0; i < n; i++)
        {
            h[i] = (Half)((rng.NextDouble() * 4) - 2);
        }

        return h;
    }

    private static float[] RandomFloats(Random rng, int n)
    {
        var f = new float[n];
        for (var i = 0; i < n; i++)
        {
            f[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return f;
    }
}
