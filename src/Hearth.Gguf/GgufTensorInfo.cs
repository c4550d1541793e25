namespace Hearth.Gguf;

/// <summary>One entry of the tensor directory. Dimensions are in ggml order: Dimensions[0] is the row length (ne0).</summary>
public sealed class GgufTensorInfo
{
    internal GgufTensorInfo(string name, GgmlType type, long[] dimensions, long offset, long elementCount, long byteSize, long directoryOffset = -1)
    {
        DirectoryOffset = directoryOffset;
        Name = name;
        Type = type;
        Dimensions = dimensions;
        Offset = offset;
        ElementCount = elementCount;
        ByteSize = byteSize;
    }

    public string Name { get; }

    public GgmlType Type { get; }

    /// <summary>ne0, ne1, ... (1 to 4 entries).</summary>
    public long[] Dimensions { get; }

    /// <summary>Offset of the data relative to <see cref="GgufFile.DataOffset"/>.</summary>
    public long Offset { get; }

    public long ElementCount { get; }

    public long ByteSize { get; }

    /// <summary>ne0; 1 for a zero-dimensional (scalar) tensor.</summary>
    public long RowLength => Dimensions.Length == 0 ? 1 : Dimensions[0];

    /// <summary>Product of the dimensions after the first.</summary>
    public long RowCount
    {
        get
        {
            long rows = 1;
            for (var i = 1; i < Dimensions.Length; i++)
            {
                rows *= Dimensions[i];
            }

            return rows;
        }
    }

    /// <summary>Absolute byte offset of this entry in the tensor directory (for error messages); -1 when not read from a file.</summary>
    internal long DirectoryOffset { get; }

    /// <summary>Bytes of one row (RowLength elements).</summary>
    public long RowBytes => GgmlTypeInfo.RowBytes(Type, RowLength);

    /// <summary>Shape in the reference's notation, e.g. "[256, 4096]".</summary>
    public string Shape => "[" + string.Join(", ", Dimensions) + "]";

    public override string ToString() => $"{Name} {GgmlTypeInfo.Name(Type)} {Shape} @{Offset}";
}
