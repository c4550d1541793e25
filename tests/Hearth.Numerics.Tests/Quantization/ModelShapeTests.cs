using Hearth.Numerics.Synthesis;

namespace Hearth.Numerics.Tests.Quantization;

/// <summary>The named benchmark shapes have the proportions their names promise.</summary>
public sealed class ModelShapeTests
{
    [Fact]
    public void Qwen3moe_2b_is_qwen3_30b_a3b_scaled_to_2b_with_about_a_tenth_active()
    {
        var shape = ModelShape.Get("qwen3moe-2b");
        var tensors = shape.Tensors(151936);
        long total = tensors.Sum(t => t.Dimensions.Aggregate(1L, (a, d) => a * d));
        long experts = tensors.Where(t => t.Name.Contains("_exps", StringComparison.Ordinal)).Sum(t => t.Dimensions.Aggregate(1L, (a, d) => a * d));
        long embeddings = tensors.Where(t => !t.Name.StartsWith("blk.", StringComparison.Ordinal)).Sum(t => t.Dimensions.Aggregate(1L, (a, d) => a * d));
        long active = total - embeddings - experts + (experts * shape.ExpertUsedCount / shape.ExpertCount);

        Assert.Equal("qwen3moe", shape.Architecture);
        Assert.Equal((128, 8, 128), (shape.ExpertCount, shape.ExpertUsedCount, shape.HeadDimension));
        Assert.InRange(total - embeddings, 1_000_000_000L, 2_000_000_000L);
        Assert.InRange((double)active / (total - embeddings), 0.08, 0.15);
        Assert.Contains(tensors, t => t.Name == "blk.23.ffn_down_exps.weight" && t.Dimensions.SequenceEqual([192L, 1024, 128]));
        Assert.Contains(tensors, t => t.Name == "blk.0.attn_q.weight" && t.Dimensions.SequenceEqual([1024L, 2048]));
        Assert.Contains(tensors, t => t.Name == "blk.0.attn_k_norm.weight" && t.Dimensions.SequenceEqual([128L]));
    }

    [Fact]
    public void Gemma3_1b_has_a_4096_context_a_512_window_post_norms_and_a_tied_output()
    {
        var shape = ModelShape.Get("gemma3-1b");
        var tensors = shape.Tensors(4096);
        Assert.Equal(("gemma3", 4096, 512, 256), (shape.Architecture, shape.ContextLength, shape.SlidingWindow, shape.HeadDimension));
        Assert.Contains(tensors, t => t.Name == "blk.25.post_ffw_norm.weight");
        Assert.Contains(tensors, t => t.Name == "blk.0.attn_q.weight" && t.Dimensions.SequenceEqual([1152L, 1024]));
        Assert.DoesNotContain(tensors, t => t.Name == "output.weight");
    }
}
