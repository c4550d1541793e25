using System.Buffers.Binary;
using System.Text;

namespace Hearth.Gguf;

/// <summary>
/// Bounds-checked little-endian reads over the raw bytes of a GGUF file (the memory mapping or a pinned buffer).
/// Every read checks the remaining length first and throws <see cref="GgufFormatException"/> with the offset,
/// so no length or count read from the file is trusted before it is compared with the bytes that exist.
/// </summary>
internal unsafe struct GgufSpanReader
{
    private readonly byte* _data;
    private readonly long _length;
    private readonly string? _path;

    public GgufSpanReader(byte* data, long length, string? path)
    {
        _data = data;
        _length = length;
        _path = path;
        Position = 0;
    }

    public long Position { get; set; }

    public readonly long Remaining => _length - Position;

    public readonly long Length => _length;

    public readonly GgufFormatException Error(string reason, long? at = null) => new(_path, at ?? Position, reason);

    public void Require(long count, string what)
    {
        if (count < 0 || count > Remaining)
        {
            throw Error($"{what} needs {(ulong)count} bytes but only {Remaining} remain (file is {_length} bytes)");
        }
    }

    public byte ReadU8(string what)
    {
        Require(1, what);
        return _data[Position++];
    }

    public ushort ReadU16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, what));

    public uint ReadU32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what));

    public ulong ReadU64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what));

    public long ReadI64(string what) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, what));

    /// <summary>A GGUF string: u64 byte length, then UTF-8 bytes (not NUL-terminated).</summary>
    /// <param name="what">Names the string in errors; with <paramref name="index"/> >= 0 it is an array element.</param>
    /// <remarks>The description is only formatted on error: this runs once per vocabulary token.</remarks>
    public string ReadString(string what, int index = -1)
    {
        var start = Position;
        if (Remaining < 8)
        {
            throw Error($"{Describe(what, index)} length needs 8 bytes but only {Remaining} remain (file is {_length} bytes)");
        }

        var length = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(_data + Position, 8));
        Position += 8;
        if (length > (ulong)Remaining)
        {
            throw Error($"{Describe(what, index)} length {length} runs past the end of the file ({Remaining} bytes remain)", start);
        }

        if (length > int.MaxValue)
        {
            throw Error($"{Describe(what, index)} length {length} is larger than 2 GiB", start);
        }

        var s = Encoding.UTF8.GetString(_data + Position, (int)length);
        Position += (long)length;
        return s;
    }

    private static string Describe(string what, int index) =>
        index < 0 ? what : what.EndsWith('#') ? what + index.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{what}[{index}]";

    public ReadOnlySpan<byte> Take(int count, string what)
    {
        Require(count, what);
        var span = new ReadOnlySpan<byte>(_data + Position, count);
        Position += count;
        return span;
    }
}
