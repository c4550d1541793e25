using System.Text;

namespace Hearth.Gguf.Tests;

/// <summary>Hand-assembles GGUF bytes field by field so tests can write exactly the malformed file they need.</summary>
internal sealed class RawGguf
{
    private readonly MemoryStream _ms = new();
    private readonly BinaryWriter _w;

    public RawGguf() => _w = new BinaryWriter(_ms, Encoding.UTF8, leaveOpen: true);

    public long Position => _ms.Position;

    /// <summary>Magic, version, tensor count, metadata count.</summary>
    public static RawGguf Header(long tensors, long keys, uint version = 3) =>
        new RawGguf().Bytes("GGUF"u8).U32(version).I64(tensors).I64(keys);

    public RawGguf Bytes(ReadOnlySpan<byte> b)
    {
        _w.Write(b);
        return this;
    }

    public RawGguf U8(byte v)
    {
        _w.Write(v);
        return this;
    }

    public RawGguf U32(uint v)
    {
        _w.Write(v);
        return this;
    }

    public RawGguf U64(ulong v)
    {
        _w.Write(v);
        return this;
    }

    public RawGguf I64(long v)
    {
        _w.Write(v);
        return this;
    }

    public RawGguf Str(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        return U64((ulong)b.Length).Bytes(b);
    }

    public RawGguf KvU32(string key, uint v) => Str(key).U32((uint)GgufValueType.UInt32).U32(v);

    public RawGguf KvString(string key, string v) => Str(key).U32((uint)GgufValueType.String).Str(v);

    /// <summary>A tensor directory entry.</summary>
    public RawGguf Tensor(string name, GgmlType type, long[] dims, ulong offset)
    {
        Str(name).U32((uint)dims.Length);
        foreach (var d in dims)
        {
            I64(d);
        }

        return U32((uint)type).U64(offset);
    }

    /// <summary>Zero bytes up to the next multiple of <paramref name="alignment"/>.</summary>
    public RawGguf Align(int alignment = 32)
    {
        while (_ms.Position % alignment != 0)
        {
            _w.Write((byte)0);
        }

        return this;
    }

    public RawGguf Zeros(int n) => Bytes(new byte[n]);

    public byte[] ToArray()
    {
        _w.Flush();
        return _ms.ToArray();
    }
}
