using Hearth.Gguf;
using Hearth.Numerics;

namespace Hearth.Engine.Weights;

/// <summary>
/// A matrix as stored in the file (never expanded): Rows output rows of Columns inputs each,
/// a pointer into the memory-mapped tensor data and the kernel for its type.
/// </summary>
internal sealed unsafe class WeightMatrix
{
    public WeightMatrix(string name, WeightKernel kernel, byte* data, int rows, int columns)
    {
        Name = name;
        Kernel = kernel;
        Data = data;
        Rows = rows;
        Columns = columns;
        RowBytes = kernel.RowBytes(columns);
    }

    public string Name { get; }
    public WeightKernel Kernel { get; }
    public GgmlType Type => Kernel.Type;
    public byte* Data { get; }
    public int Rows { get; }
    public int Columns { get; }
    public long RowBytes { get; }

    /// <summary>Rows [r0, r1) as one span (a chunk stays far below 2 GB even for large vocabularies).</summary>
    public ReadOnlySpan<byte> RowSpan(int r0, int r1) => new(Data + (r0 * RowBytes), checked((int)((r1 - r0) * RowBytes)));

    /// <summary>
    /// Rows [first, first + rows) as a matrix of their own, in place: the parts of a fused tensor (phi3's attn_qkv)
    /// and one expert of a stacked expert tensor. Quantization blocks never cross a row, so any row range is exact.
    /// </summary>
    public WeightMatrix Slice(int first, int rows, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first + rows, Rows);
        return new WeightMatrix(name, Kernel, Data + (first * RowBytes), rows, Columns);
    }

    /// <summary>Dequantizes one row (token embeddings are looked up this way).</summary>
    public void DequantizeRow(int row, Span<float> destination) => Kernel.DequantizeRow(RowSpan(row, row + 1), destination[..Columns]);
}
