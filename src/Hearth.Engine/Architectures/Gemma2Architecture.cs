using Hearth.Engine.Execution;
using Hearth.Engine.Weights;
using Hearth.Gguf;

namespace Hearth.Engine.Architectures;

/// <summary>
/// Gemma 2 (general.architecture = "gemma2"): embeddings scaled by √n_embd, RMSNorm before and after both attention
/// and feed-forward (the converter stores the norm weights as 1 + w), a GELU-tanh gated feed-forward, attention
/// logits and final logits soft-capped by tanh (attn_logit_softcapping 50, final_logit_softcapping 30 unless the file
/// says otherwise), a sliding window (4096 unless attention.sliding_window says otherwise) on every other layer from
/// the first, Q scaled by 1/√head_dim before attention (1/√(n_embd/n_head) for the 27B, as gemma_pytorch), NeoX
/// RoPE, output tied to token_embd.
/// </summary>
internal sealed class Gemma2Architecture : IArchitecture
{
    public string Name => "gemma2";

    public RopeMode RopeMode => RopeMode.NeoX;

    public HyperParameters ReadHyperParameters(GgufMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var hp = HyperParameters.Read(metadata, Name, defaultEpsilon: 1e-6f).WithSlidingWindow(metadata, defaultWindow: 4096, defaultPeriod: 2);
        return hp with
        {
            SlidingRope = metadata.TryGetFloat(Name + ".rope.freq_base_swa") is double swaBase ? hp.Rope with { FreqBase = (float)swaBase } : null,
            AttentionSoftCap = (float)(metadata.TryGetFloat(Name + ".attn_logit_softcapping") ?? 50.0),
            FinalSoftCap = (float)(metadata.TryGetFloat(Name + ".final_logit_softcapping") ?? 30.0),
            QueryScale = QueryScale(hp, layersOf27B: 46),
        };
    }

    public TransformerWeights LoadWeights(TensorLoader t, HyperParameters hp, int vocabSize) =>
        LlamaStyleModel.LoadWeights(t, hp, vocabSize, p => LlamaStyleModel.Layer(t, hp, p, qkvBias: false).WithPostNorms(t, hp, p));

    public void Forward(ForwardPass f, TransformerWeights w) => GemmaBlock.Forward(f, w);

    /// <summary>1/√head_dim, except the 27B models that gemma_pytorch (and the reference) scale by 1/√(n_embd / n_head).</summary>
    public static float QueryScale(HyperParameters hp, int layersOf27B) =>
        1f / MathF.Sqrt(hp.LayerCount == layersOf27B ? hp.EmbeddingLength / hp.HeadCount : hp.HeadDimension);
}

/// <summary>The tensors and block that gemma2 and gemma3 share.</summary>
internal static unsafe class GemmaBlock
{
    public static LayerWeights WithPostNorms(this LayerWeights layer, TensorLoader t, HyperParameters hp, string p) => layer with
    {
        PostAttentionNorm = t.Vector(p + "post_attention_norm.weight", hp.EmbeddingLength),   // [n_embd]
        PostFeedForwardNorm = t.Vector(p + "post_ffw_norm.weight", hp.EmbeddingLength),       // [n_embd]
    };

    /// <summary>x = embed·√d; per layer x += post_norm(attention), x += post_norm(Wdown·(gelu(Wgate·norm(x)) * Wup·norm(x))).</summary>
    public static void Forward(ForwardPass f, TransformerWeights w)
    {
        f.Embed(w.TokenEmbedding);
        f.Scale(f.X, MathF.Sqrt(f.HyperParameters.EmbeddingLength));
        for (var l = 0; l < w.Layers.Length; l++)
        {
            var layer = w.Layers[l];
            TransformerBlock.SelfAttention(f, layer, l);
            f.RmsNorm(f.Proj, layer.PostAttentionNorm!, f.Proj);
            f.Add(f.X, f.Proj);

            f.RmsNorm(f.X, layer.FeedForwardNorm, f.Xb);
            f.MatMul(f.Xb, layer.DenseGate, f.Gate, layer.DenseUp, f.Up);
            f.GeGlu();
            f.MatMul(f.Gate, layer.DenseDown, f.Proj);
            f.RmsNorm(f.Proj, layer.PostFeedForwardNorm!, f.Proj);
            f.Add(f.X, f.Proj);
        }
    }
}
