using Hearth.Gguf;

namespace Hearth.Numerics.Quantization;

/// <summary>Fills <paramref name="destination"/> with rows [firstRow, firstRow + rowCount) of a tensor as F32.</summary>
public delegate void RowSource(long firstRow, int rowCount, Span<float> destination);

/// <summary>
/// Quantizes a tensor row chunk by row chunk straight into a stream, so memory stays at a few chunks
/// whatever the tensor size. Rows of a chunk are split over threads; output order is the row order, so the
/// bytes do not depend on the thread count.
/// </summary>
public static class TensorStreamQuantizer
{
    /// <summary>Floats per chunk (4 MiB of F32): large enough to amortize thread hand-off, small enough to stay in cache-friendly territory.</summary>
    private const int ChunkElements = 1 << 20;

    /// <summary>Writes <paramref name="rows"/> rows of <paramref name="rowLength"/> elements as <paramref name="type"/>.</summary>
    public static void Write(Stream output, GgmlType type, long rowLength, long rows, RowSource source, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(source);
        if (!Quantizer.CanQuantizeTo(type))
        {
            throw new NotSupportedException($"Cannot write tensors of type {type}; supported: {string.Join(", ", Quantizer.Supported)}.");
        }

        long rowBytes = GgmlTypeInfo.RowBytes(type, rowLength);
        if (rowLength > int.MaxValue / 4)
        {
            throw new NotSupportedException($"Rows of {rowLength} elements are too long.");
        }

        threads = threads <= 0 ? Environment.ProcessorCount : threads;
        int rowsPerChunk = (int)Math.Clamp(ChunkElements / rowLength, 1, Math.Max(1, rows));
        var input = new float[rowsPerChunk * rowLength];
        var encoded = new byte[rowsPerChunk * rowBytes];

        for (long first = 0; first < rows; first += rowsPerChunk)
        {
            int count = (int)Math.Min(rowsPerChunk, rows - first);
            int pieces = Math.Min(threads, count);
            if (pieces <= 1)
            {
                source(first, count, input.AsSpan(0, (int)(count * rowLength)));
                Quantizer.QuantizeRow(type, input.AsSpan(0, (int)(count * rowLength)), encoded.AsSpan(0, (int)(count * rowBytes)));
            }
            else
            {
                long chunkFirst = first;
                Parallel.For(0, pieces, new ParallelOptions { MaxDegreeOfParallelism = pieces }, p =>
                {
                    int r0 = (int)((long)count * p / pieces), r1 = (int)((long)count * (p + 1) / pieces);
                    var x = input.AsSpan((int)(r0 * rowLength), (int)((r1 - r0) * rowLength));
                    source(chunkFirst + r0, r1 - r0, x);
                    Quantizer.QuantizeRow(type, x, encoded.AsSpan((int)(r0 * rowBytes), (int)((r1 - r0) * rowBytes)));
                });
            }

            output.Write(encoded, 0, (int)(count * rowBytes));
        }
    }
}
