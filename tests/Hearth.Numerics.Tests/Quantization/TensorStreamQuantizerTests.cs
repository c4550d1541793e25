using Hearth.Gguf;
using Hearth.Numerics.Quantization;

namespace Hearth.Numerics.Tests.Quantization;

public class TensorStreamQuantizerTests
{
    [Theory]
    [InlineData(GgmlType.Q4_K, 1)]
    [InlineData(GgmlType.Q4_K, 3)]
    [InlineData(GgmlType.Q8_0, 2)]
    public void Streamed_chunks_equal_one_quantization_of_the_whole_tensor(GgmlType type, int threads)
    {
        // 4099 rows of 512: more than two 1 Mi-element chunks, and a ragged last chunk.
        const int rowLength = 512, rows = 4099;
        var x = QuantizerRoundTripTests.Weights(5, rowLength * rows);
        var expected = new byte[GgmlTypeInfo.RowBytes(type, rowLength) * rows];
        Quantizer.QuantizeRow(type, x, expected);

        using var stream = new MemoryStream();
        var requested = new System.Collections.Concurrent.ConcurrentBag<(long, int)>();
        TensorStreamQuantizer.Write(stream, type, rowLength, rows, (first, count, dst) =>
        {
            requested.Add((first, count));
            x.AsSpan((int)(first * rowLength), count * rowLength).CopyTo(dst);
        }, threads);

        Assert.Equal(expected, stream.ToArray());
        Assert.Equal(rows, requested.Sum(r => r.Item2));
        Assert.True(requested.Count > 2);
    }
}
