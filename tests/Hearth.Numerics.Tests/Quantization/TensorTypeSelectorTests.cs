using Hearth.Gguf;
using Hearth.Numerics.Quantization;
using Hearth.Testing;

namespace Hearth.Numerics.Tests.Quantization;

public class TensorTypeSelectorTests
{
    [Theory]
    [InlineData("llama-spm", "q4_k_m", "Q4_K_M", false)]
    [InlineData("qwen2-bpe", "q4_k_m", "Q4_K_M", false)]
    [InlineData("llama-spm", "q6_k", "Q6_K", false)]
    [InlineData("qwen2-bpe", "q6_k", "Q6_K", false)]
    [InlineData("llama-spm", "f16", "F16", false)]
    [InlineData("llama-spm", "bf16", "BF16", false)]
    [InlineData("llama-spm", "q2_k", "Q2_K", false)]
    [InlineData("llama-spm", "q3_k", "Q3_K", false)]
    [InlineData("llama-spm", "q4_k", "Q4_K", false)]
    [InlineData("llama-spm", "q5_k", "Q5_K", false)]
    [InlineData("llama-spm", "q8_0", "Q8_0", true)]
    [InlineData("llama-spm", "q4_0", "Q4_0", true)]
    [InlineData("llama-spm", "q4_1", "Q4_1", true)]
    [InlineData("llama-spm", "q5_0", "Q5_0", true)]
    [InlineData("llama-spm", "q5_1", "Q5_1", true)]
    [InlineData("qwen2-bpe", "q8_0", "Q8_0", true)]
    [InlineData("qwen2-bpe", "q4_0", "Q4_0", true)]
    public void Types_and_file_type_match_the_reference_files(string family, string file, string target, bool pure)
    {
        using var f32 = GgufFile.Open(SharedData.ReferenceModel($"{family}-f32.gguf"));
        using var reference = GgufFile.Open(SharedData.ReferenceModel($"{family}-{file}.gguf"));
        var t = QuantizationTarget.Parse(target);
        t = pure ? t.AsPure() : t;

        var plan = ModelQuantizer.Plan(f32, t);

        Assert.Equal(reference.Tensors.Select(x => x.Name), plan.Select(p => p.Tensor.Name)); // same order too
        foreach (var (tensor, type) in plan)
        {
            Assert.True(reference.GetTensor(tensor.Name).Type == type, $"{tensor.Name}: {type}, reference {reference.GetTensor(tensor.Name).Type}");
        }

        Assert.Equal(reference.Metadata.GetInteger("general.file_type"), (long)t.FileType);
    }

    [Fact]
    public void Q4_K_M_gives_attn_v_and_ffn_down_more_bits_in_the_outer_and_every_third_layer()
    {
        // 16 layers: the first two (16/8), the last two (≥ 14) and layers 4, 7, 10, 13 ((i − 2) % 3 == 2).
        var types = SelectLlama(16, "Q4_K_M");
        int[] more = [0, 1, 4, 7, 10, 13, 14, 15];
        for (int i = 0; i < 16; i++)
        {
            var expected = more.Contains(i) ? GgmlType.Q6_K : GgmlType.Q4_K;
            Assert.Equal(expected, types[$"blk.{i}.attn_v.weight"]);
            Assert.Equal(expected, types[$"blk.{i}.ffn_down.weight"]);
            Assert.Equal(GgmlType.Q4_K, types[$"blk.{i}.attn_q.weight"]);
            Assert.Equal(GgmlType.Q4_K, types[$"blk.{i}.ffn_up.weight"]);
            Assert.Equal(GgmlType.F32, types[$"blk.{i}.attn_norm.weight"]);
        }

        Assert.Equal(GgmlType.Q6_K, types["output.weight"]);
        Assert.Equal(GgmlType.Q4_K, types["token_embd.weight"]);
    }

    [Fact]
    public void Standard_Q4_0_puts_the_output_matrix_in_Q6_K_and_Q8_0_keeps_it()
    {
        Assert.Equal(GgmlType.Q6_K, SelectLlama(2, "Q4_0")["output.weight"]);
        Assert.Equal(GgmlType.Q4_0, SelectLlama(2, "Q4_0")["token_embd.weight"]);
        Assert.Equal(GgmlType.Q8_0, SelectLlama(2, "Q8_0")["output.weight"]);
        Assert.Equal(GgmlType.Q4_0, SelectLlama(2, "Q4_0", pure: true)["output.weight"]);
    }

    [Fact]
    public void Tied_embeddings_take_the_output_matrix_type()
    {
        var tensors = new List<TensorDescriptor>
        {
            new("token_embd.weight", [256, 1000], GgmlType.F32),
            new("blk.0.attn_q.weight", [256, 256], GgmlType.F32),
        };
        var types = TensorTypeSelector.Select(tensors, new ModelHyperParameters("llama", 1), QuantizationTarget.Parse("q4_k_m"));
        Assert.Equal(GgmlType.Q6_K, types["token_embd.weight"]);
    }

    [Fact]
    public void Rows_that_do_not_fit_a_k_quant_fall_back_like_the_reference()
    {
        var tensors = new List<TensorDescriptor>
        {
            new("blk.0.attn_q.weight", [320, 64], GgmlType.F32),   // 320 % 256 ≠ 0, 320 % 32 = 0 → Q5_0
            new("blk.0.attn_k.weight", [48, 64], GgmlType.F32),    // not a multiple of 32 either → F16
            new("blk.0.ffn_up.weight", [256, 64], GgmlType.F32),
        };
        var pureQ4K = TensorTypeSelector.Select(tensors, new ModelHyperParameters("llama", 1), QuantizationTarget.Parse("Q4_K"));
        Assert.Equal(GgmlType.Q5_0, pureQ4K["blk.0.attn_q.weight"]);
        Assert.Equal(GgmlType.F16, pureQ4K["blk.0.attn_k.weight"]);
        Assert.Equal(GgmlType.Q4_K, pureQ4K["blk.0.ffn_up.weight"]);

        var q6 = TensorTypeSelector.Select(tensors[..1], new ModelHyperParameters("llama", 1), QuantizationTarget.Parse("Q6_K"));
        Assert.Equal(GgmlType.Q8_0, q6["blk.0.attn_q.weight"]);

        // Q4_0 has no fallback: the reference refuses such a tensor.
        var ex = Assert.Throws<NotSupportedException>(() =>
            TensorTypeSelector.Select([tensors[1]], new ModelHyperParameters("llama", 1), QuantizationTarget.Parse("Q4_0")));
        Assert.Contains("blk.0.attn_k.weight", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Target_names_are_case_insensitive_and_unknown_names_list_the_valid_ones()
    {
        Assert.Equal(GgmlType.Q4_K, QuantizationTarget.Parse("q4_k_m").DefaultType);
        Assert.Equal(LlamaFileType.MostlyQ8_0, QuantizationTarget.Parse("Q8_0").FileType);
        var ex = Assert.Throws<ArgumentException>(() => QuantizationTarget.Parse("Q7_X"));
        Assert.Contains("Q4_K_M", ex.Message, StringComparison.Ordinal);
        Assert.Contains("BF16", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reference_order_puts_global_tensors_first_then_blocks_numerically()
    {
        string[] names = ["blk.10.ffn_up.weight", "token_embd.weight", "blk.2.attn_q.weight", "output.weight", "blk.2.attn_k.weight", "output_norm.weight"];
        Assert.Equal(
            ["output.weight", "output_norm.weight", "token_embd.weight", "blk.2.attn_k.weight", "blk.2.attn_q.weight", "blk.10.ffn_up.weight"],
            TensorTypeSelector.ReferenceOrder(names, n => n));
    }

    private static IReadOnlyDictionary<string, GgmlType> SelectLlama(int layers, string target, bool pure = false)
    {
        var shape = new Synthesis.ModelShape("test", 256, layers, 4, 2, 768, 2048, 10000f);
        var tensors = shape.Tensors(1024).Select(t => new TensorDescriptor(t.Name, t.Dimensions, GgmlType.F32)).ToList();
        var t = QuantizationTarget.Parse(target);
        return TensorTypeSelector.Select(tensors, new ModelHyperParameters("llama", layers, 4, 2), pure ? t.AsPure() : t);
    }
}
