using Hearth.Gguf;
using Hearth.Testing;
using Xunit.Abstractions;

namespace Hearth.Numerics.Tests.Quantization;

/// <summary>
/// Quantizes every tensor of the shared F32 reference models and compares with the files the reference
/// quantizer produced from them (../shared/models/reference): the bytes must be identical, block for block.
/// </summary>
public class ReferenceFileTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> QuantizedFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var t in new[] { "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k", "q4_k_m" })
        {
            data.Add("llama-spm", t);
        }

        foreach (var t in new[] { "q8_0", "q4_0", "q4_k_m", "q6_k" })
        {
            data.Add("qwen2-bpe", t);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(QuantizedFiles))]
    public void Every_block_matches_the_reference_quantizer(string family, string type)
    {
        using var f32 = GgufFile.Open(SharedData.ReferenceModel($"{family}-f32.gguf"));
        using var reference = GgufFile.Open(SharedData.ReferenceModel($"{family}-{type}.gguf"));
        long blocks = 0, identical = 0;
        foreach (var t in reference.Tensors.Where(t => t.Type != GgmlType.F32))
        {
            var source = f32.GetTensor(t.Name);
            Assert.Equal(GgmlType.F32, source.Type);
            var x = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(f32.GetTensorBytes(source));
            var mine = new byte[t.ByteSize];
            Quantizer.QuantizeRow(t.Type, x, mine);
            var theirs = reference.GetTensorBytes(t);
            int blockBytes = GgmlTypeInfo.BlockBytes(t.Type);
            for (int b = 0; b < mine.Length / blockBytes; b++)
            {
                blocks++;
                if (mine.AsSpan(b * blockBytes, blockBytes).SequenceEqual(theirs.Slice(b * blockBytes, blockBytes)))
                {
                    identical++;
                }
            }
        }

        output.WriteLine($"{family}-{type}: {identical}/{blocks} blocks identical ({100.0 * identical / blocks:F3}%)");
        Assert.True(blocks > 0);
        Assert.Equal(blocks, identical);
    }
}
