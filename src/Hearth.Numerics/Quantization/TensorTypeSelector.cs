using Hearth.Gguf;

namespace Hearth.Numerics.Quantization;

/// <summary>A tensor as the recipe sees it: name, shape in ggml order, current type.</summary>
public sealed record TensorDescriptor(string Name, long[] Dimensions, GgmlType Type);

/// <summary>The hyper-parameters the reference's recipe looks at.</summary>
/// <param name="Architecture">general.architecture (llama, qwen2, falcon...).</param>
/// <param name="LayerCount">{arch}.block_count.</param>
/// <param name="HeadCount">{arch}.attention.head_count (0 when unknown).</param>
/// <param name="KvHeadCount">{arch}.attention.head_count_kv (0 when unknown).</param>
/// <param name="ExpertCount">{arch}.expert_count (0 for dense models).</param>
public sealed record ModelHyperParameters(string Architecture, int LayerCount, int HeadCount = 0, int KvHeadCount = 0, int ExpertCount = 0)
{
    /// <summary>Reads the fields from GGUF metadata; missing optional keys read as 0.</summary>
    public static ModelHyperParameters FromMetadata(GgufMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        string arch = metadata.GetStringOrDefault("general.architecture") ?? "llama";
        int Get(string key) => (int)(metadata.TryGetInteger($"{arch}.{key}") ?? 0);
        return new ModelHyperParameters(arch, Get("block_count"), Get("attention.head_count"), Get("attention.head_count_kv"), Get("expert_count"));
    }
}

/// <summary>
/// Chooses each tensor's type for a <see cref="QuantizationTarget"/>, following the reference quantizer
/// (llama-quant.cpp: tensor_allows_quantization, llama_tensor_get_type, tensor_type_fallback) for the file
/// types Hearth writes. Tensors are visited in the reference's order (<see cref="ReferenceOrder"/>) because
/// its per-layer rules count attn_v tensors as they go.
/// </summary>
public static class TensorTypeSelector
{
    /// <summary>
    /// The reference's tensor order (llama_model_loader's weight_name_comparer): tensors outside any
    /// block first, then by block number; within each group by name, bytewise.
    /// </summary>
    public static IEnumerable<T> ReferenceOrder<T>(IEnumerable<T> tensors, Func<T, string> name) =>
        tensors.OrderBy(t => LayerOf(name(t))).ThenBy(t => name(t), StringComparer.Ordinal);

    /// <summary>
    /// Returns the output type of every tensor (same order as given). Tensors that are not quantizable
    /// (1-D, norms, non-"weight" tensors...) keep their current type.
    /// </summary>
    /// <exception cref="NotSupportedException">A row length fits neither the type nor its fallback chain.</exception>
    public static IReadOnlyDictionary<string, GgmlType> Select(IReadOnlyList<TensorDescriptor> tensors, ModelHyperParameters model, QuantizationTarget target)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(target);

        var state = new State
        {
            AttentionVCount = tensors.Count(t => IsAttentionV(Categorize(t.Name))),
            TiedEmbeddings = !tensors.Any(t => t.Name == "output.weight"),
            LayerCount = model.LayerCount,
        };

        var result = new Dictionary<string, GgmlType>(StringComparer.Ordinal);
        foreach (var t in ReferenceOrder(tensors, t => t.Name))
        {
            result[t.Name] = AllowsQuantization(t) ? ChooseType(state, t, model, target) : t.Type;
        }

        return result;
    }

    /// <summary>Whether the reference would quantize this tensor at all (tensor_allows_quantization).</summary>
    public static bool AllowsQuantization(TensorDescriptor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (DimensionCount(tensor.Dimensions) < 2)
        {
            return false;
        }

        string name = tensor.Name;
        if (!name.EndsWith("weight", StringComparison.Ordinal))
        {
            return false;
        }

        string[] excluded =
        [
            "_norm.weight", "ffn_gate_inp.weight", "altup", "laurel", "per_layer_model_proj", "ssm_conv1d",
            "shortconv.conv.weight", "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight",
            "time_mix_w2.weight", "time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight",
            "time_mix_a0.weight", "time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight",
            "time_mix_g2.weight", "time_mix_decay_w1.weight", "time_mix_decay_w2.weight",
            "time_mix_lerp_fused.weight", "attn_rel_b.weight",
        ];
        return !excluded.Any(e => name.Contains(e, StringComparison.Ordinal))
            && name != "position_embd.weight" && name != "token_types.weight";
    }

    private sealed class State
    {
        public int AttentionVCount;
        public int AttentionVIndex;
        public int FfnDownIndex;
        public bool TiedEmbeddings;
        public int LayerCount;
    }

    private enum Category { TokenEmbedding, AttentionQ, AttentionV, AttentionK, AttentionQkv, AttentionKvB, AttentionOutput, FfnUp, FfnGate, FfnDown, Output, Other }

    private static GgmlType ChooseType(State state, TensorDescriptor t, ModelHyperParameters model, QuantizationTarget target)
    {
        GgmlType type = target.DefaultType;
        if (!target.IsBlockQuantized)
        {
            return type;
        }

        if (!target.Pure)
        {
            type = MixedType(state, t, model, target, type);
        }

        return Fallback(t, type);
    }

    // llama_tensor_get_type_impl, restricted to the file types Hearth writes (no IQ types, no imatrix).
    private static GgmlType MixedType(State s, TensorDescriptor t, ModelHyperParameters model, QuantizationTarget target, GgmlType type)
    {
        var category = Categorize(t.Name);
        var ftype = target.FileType;
        bool falcon = model.Architecture == "falcon";
        bool is70B = model.Architecture == "llama" && model.LayerCount == 80 && model.HeadCount != model.KvHeadCount;

        if (category == Category.Output || (s.TiedEmbeddings && category == Category.TokenEmbedding))
        {
            // The output projection is the most sensitive matrix: Q6_K unless already 8-bit, Q8_0 when the
            // row does not fit the type's blocks.
            if (falcon || t.Dimensions[0] % GgmlTypeInfo.BlockSize(type) != 0)
            {
                return GgmlType.Q8_0;
            }

            return type != GgmlType.Q8_0 ? GgmlType.Q6_K : type;
        }

        if (category == Category.TokenEmbedding)
        {
            return type;
        }

        if (IsAttentionV(category))
        {
            if ((ftype is LlamaFileType.MostlyQ4_K_M or LlamaFileType.MostlyQ5_K_M) && UseMoreBits(s.AttentionVIndex, s.AttentionVCount))
            {
                type = GgmlType.Q6_K;
            }

            if (is70B && type is GgmlType.Q3_K or GgmlType.Q4_K)
            {
                // 8 query heads share each attn_v head in the 70B model, so the matrix is small and worth more bits.
                type = GgmlType.Q5_K;
            }

            if (model.ExpertCount == 8)
            {
                type = GgmlType.Q8_0;
            }

            s.AttentionVIndex++;
            return type;
        }

        if (category == Category.AttentionK)
        {
            return model.ExpertCount == 8 ? GgmlType.Q8_0 : type;
        }

        if (category == Category.FfnDown)
        {
            int layer = model.ExpertCount > 1 ? LayerOf(t.Name) : s.FfnDownIndex;
            int layers = s.LayerCount;
            if (ftype == LlamaFileType.MostlyQ4_K_M)
            {
                if (falcon)
                {
                    type = layer < layers / 16 ? GgmlType.Q6_K : UseMoreBits(layer, layers) ? GgmlType.Q5_K : GgmlType.Q4_K;
                }
                else if (UseMoreBits(layer, layers))
                {
                    type = GgmlType.Q6_K;
                }
            }
            else if (ftype == LlamaFileType.MostlyQ5_K_M && UseMoreBits(layer, layers))
            {
                type = GgmlType.Q6_K;
            }

            s.FfnDownIndex++;
            return type;
        }

        if (category == Category.AttentionOutput && !falcon && model.ExpertCount == 8 && ftype == LlamaFileType.MostlyQ4_K_M)
        {
            return GgmlType.Q5_K;
        }

        return type;
    }

    /// <summary>
    /// The first and last eighth of the layers, and every third layer in between, get more bits in the
    /// _M mixes (use_more_bits in llama-quant.cpp).
    /// </summary>
    internal static bool UseMoreBits(int layer, int layers) =>
        layer < layers / 8 || layer >= 7 * layers / 8 || (layer - (layers / 8)) % 3 == 2;

    // tensor_type_fallback: a row length that is not a multiple of the block size gets a type with smaller blocks.
    private static GgmlType Fallback(TensorDescriptor t, GgmlType type)
    {
        long columns = t.Dimensions[0];
        if (columns % GgmlTypeInfo.BlockSize(type) == 0)
        {
            return type;
        }

        GgmlType fallback = type switch
        {
            GgmlType.Q2_K or GgmlType.Q3_K => GgmlType.Q4_0,
            GgmlType.Q4_K => GgmlType.Q5_0,
            GgmlType.Q5_K => GgmlType.Q5_1,
            GgmlType.Q6_K => GgmlType.Q8_0,
            _ => throw new NotSupportedException(
                $"Tensor '{t.Name}' has rows of {columns} elements, not a multiple of the {type} block size {GgmlTypeInfo.BlockSize(type)}, and {type} has no fallback type."),
        };
        return columns % GgmlTypeInfo.BlockSize(fallback) == 0 ? fallback : GgmlType.F16;
    }

    private static Category Categorize(string name)
    {
        if (name == "output.weight")
        {
            return Category.Output;
        }

        if (name is "token_embd.weight" or "per_layer_token_embd.weight")
        {
            return Category.TokenEmbedding;
        }

        (string Fragment, Category Category)[] rules =
        [
            ("attn_qkv.weight", Category.AttentionQkv), ("attn_kv_b.weight", Category.AttentionKvB),
            ("attn_v.weight", Category.AttentionV), ("attn_k.weight", Category.AttentionK),
            ("attn_q.weight", Category.AttentionQ), ("attn_output.weight", Category.AttentionOutput),
            ("ffn_up", Category.FfnUp), ("ffn_gate", Category.FfnGate), ("ffn_down", Category.FfnDown),
        ];
        foreach (var (fragment, category) in rules)
        {
            if (name.Contains(fragment, StringComparison.Ordinal))
            {
                return category;
            }
        }

        return Category.Other;
    }

    private static bool IsAttentionV(Category c) => c is Category.AttentionV or Category.AttentionQkv or Category.AttentionKvB;

    /// <summary>The N of a "blk.N." name, or −1 for tensors outside the blocks.</summary>
    private static int LayerOf(string name)
    {
        if (!name.StartsWith("blk.", StringComparison.Ordinal))
        {
            return -1;
        }

        int end = name.IndexOf('.', 4);
        return end > 4 && int.TryParse(name.AsSpan(4, end - 4), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int layer)
            ? layer
            : -1;
    }

    private static int DimensionCount(long[] dims)
    {
        int n = dims.Length;
        while (n > 1 && dims[n - 1] == 1)
        {
            n--;
        }

        return n;
    }
}
