using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Hearth.Gguf;

/// <summary>
/// Writes GGUF files laid out the way the reference writer does (gguf.cpp, gguf_write_to_buf): header, metadata in
/// insertion order, tensor directory with offsets packed in insertion order, zero padding to <see cref="Alignment"/>
/// before the data section and after every tensor. Streamed tensors are written straight through to the output.
/// </summary>
public sealed class GgufWriter
{
    private readonly List<string> _keys = [];
    private readonly Dictionary<string, GgufValue> _metadata = new(StringComparer.Ordinal);
    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _tensorNames = new(StringComparer.Ordinal);
    private int _alignment = GgufParser.DefaultAlignment;
    private uint _version = 3;

    /// <summary>Data alignment in bytes: a nonzero power of two (default 32). Setting general.alignment sets it too.</summary>
    public int Alignment
    {
        get => _alignment;
        set
        {
            if (value <= 0 || !BitOperations.IsPow2(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Alignment must be a nonzero power of two.");
            }

            _alignment = value;
        }
    }

    /// <summary>GGUF version written: 3 (default) or 2, which share one little-endian layout.</summary>
    public uint Version
    {
        get => _version;
        set => _version = value is 2 or 3 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Only GGUF versions 2 and 3 can be written.");
    }

    public IReadOnlyList<string> MetadataKeys => _keys;

    /// <summary>Sets a key; a new key goes to the end, an existing one keeps its position.</summary>
    public void SetMetadata(string key, GgufValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        if (key == GgufParser.AlignmentKey)
        {
            Alignment = value.Value is uint a && a <= int.MaxValue
                ? (int)a
                : throw new ArgumentException($"{GgufParser.AlignmentKey} must be a uint32 power of two.", nameof(value));
        }

        if (_metadata.TryAdd(key, value))
        {
            _keys.Add(key);
        }
        else
        {
            _metadata[key] = value;
        }
    }

    public void SetMetadata(string key, string value) => SetMetadata(key, GgufValue.From(value));

    public void SetMetadata(string key, uint value) => SetMetadata(key, GgufValue.From(value));

    public void SetMetadata(string key, int value) => SetMetadata(key, GgufValue.From(value));

    public void SetMetadata(string key, ulong value) => SetMetadata(key, GgufValue.From(value));

    public void SetMetadata(string key, long value) => SetMetadata(key, GgufValue.From(value));

    public void SetMetadata(string key, float value) => SetMetadata(key, GgufValue.From(value));

    public void SetMetadata(string key, double value) => SetMetadata(key, GgufValue.From(value));

    public void SetMetadata(string key, bool value) => SetMetadata(key, GgufValue.From(value));

    public void SetMetadata(string key, string[] value) => SetMetadata(key, GgufValue.From(GgufArray.Create(value)));

    public void SetMetadata(string key, float[] value) => SetMetadata(key, GgufValue.From(GgufArray.Create(value)));

    public void SetMetadata(string key, int[] value) => SetMetadata(key, GgufValue.From(GgufArray.Create(value)));

    public bool RemoveMetadata(string key) => _metadata.Remove(key) && _keys.Remove(key);

    /// <summary>Adds a tensor whose bytes are in memory (kept by reference until WriteTo).</summary>
    public void AddTensor(string name, GgmlType type, long[] dimensions, ReadOnlyMemory<byte> data)
    {
        var size = ValidateTensor(name, type, dimensions);
        if (data.Length != size)
        {
            throw new ArgumentException($"Tensor '{name}' ({GgmlTypeInfo.Name(type)} [{string.Join(", ", dimensions)}]) needs {size} bytes, got {data.Length}.", nameof(data));
        }

        Add(new PendingTensor(name, type, (long[])dimensions.Clone(), size, data, null));
    }

    /// <summary>
    /// Adds a tensor whose bytes <paramref name="writeData"/> writes straight into the output during WriteTo, so the
    /// model never has to be in memory. It must write exactly the tensor's byte size; anything else fails WriteTo.
    /// </summary>
    public void AddTensor(string name, GgmlType type, long[] dimensions, Action<Stream> writeData)
    {
        ArgumentNullException.ThrowIfNull(writeData);
        var size = ValidateTensor(name, type, dimensions);
        Add(new PendingTensor(name, type, (long[])dimensions.Clone(), size, default, writeData));
    }

    public void WriteTo(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        WriteTo(stream);
    }

    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (_alignment != GgufParser.DefaultAlignment && !_metadata.ContainsKey(GgufParser.AlignmentKey))
        {
            // Readers assume 32 unless told otherwise, so a different alignment must be recorded.
            SetMetadata(GgufParser.AlignmentKey, (uint)_alignment);
        }

        var header = new HeaderBuilder();
        header.U32(GgufParser.Magic);
        header.U32(_version);
        header.U64((ulong)_tensors.Count);
        header.U64((ulong)_keys.Count);
        foreach (var key in _keys)
        {
            header.String(key);
            var value = _metadata[key];
            header.U32((uint)value.Type);
            header.Value(value);
        }

        long offset = 0;
        foreach (var t in _tensors)
        {
            header.String(t.Name);
            header.U32((uint)t.Dimensions.Length);
            foreach (var d in t.Dimensions)
            {
                header.U64((ulong)d);
            }

            header.U32((uint)t.Type);
            header.U64((ulong)offset);
            offset += GgufParser.AlignUp(t.ByteSize, _alignment);
        }

        var headerBytes = header.ToArray();
        stream.Write(headerBytes);
        WritePadding(stream, headerBytes.Length);

        foreach (var t in _tensors)
        {
            if (t.Writer is null)
            {
                stream.Write(t.Data.Span);
            }
            else
            {
                using var bounded = new BoundedWriteStream(stream, t.ByteSize, t.Name);
                t.Writer(bounded);
                if (bounded.Written != t.ByteSize)
                {
                    throw new InvalidOperationException($"Tensor '{t.Name}' writer produced {bounded.Written} bytes; the tensor needs exactly {t.ByteSize}.");
                }
            }

            WritePadding(stream, t.ByteSize);
        }

        stream.Flush();
    }

    private void WritePadding(Stream stream, long written)
    {
        var pad = (int)(GgufParser.AlignUp(written, _alignment) - written);
        Span<byte> zeros = stackalloc byte[256];
        zeros.Clear();
        while (pad > 0)
        {
            var n = Math.Min(pad, zeros.Length);
            stream.Write(zeros[..n]);
            pad -= n;
        }
    }

    private long ValidateTensor(string name, GgmlType type, long[] dimensions)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(dimensions);
        if (Encoding.UTF8.GetByteCount(name) > GgufParser.MaxTensorNameBytes)
        {
            throw new ArgumentException($"Tensor name '{name}' is longer than {GgufParser.MaxTensorNameBytes} bytes.", nameof(name));
        }

        if (_tensorNames.Contains(name))
        {
            throw new ArgumentException($"Tensor '{name}' was already added.", nameof(name));
        }

        if (!GgmlTypeInfo.IsKnown(type))
        {
            throw new ArgumentException($"Unknown ggml type {(uint)type}.", nameof(type));
        }

        if (dimensions.Length > GgufParser.MaxDimensions)
        {
            throw new ArgumentException($"Tensor '{name}' has {dimensions.Length} dimensions; at most {GgufParser.MaxDimensions} are allowed.", nameof(dimensions));
        }

        long elements = 1;
        foreach (var d in dimensions)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(dimensions));
            elements = checked(elements * d);
        }

        var rowLength = dimensions.Length == 0 ? 1 : dimensions[0];
        if (rowLength % GgmlTypeInfo.BlockSize(type) != 0)
        {
            throw new ArgumentException($"Tensor '{name}' row length {rowLength} is not a multiple of the {GgmlTypeInfo.Name(type)} block size {GgmlTypeInfo.BlockSize(type)}.", nameof(dimensions));
        }

        return checked(elements / GgmlTypeInfo.BlockSize(type) * GgmlTypeInfo.BlockBytes(type));
    }

    private void Add(PendingTensor t)
    {
        _tensorNames.Add(t.Name);
        _tensors.Add(t);
    }

    private sealed record PendingTensor(string Name, GgmlType Type, long[] Dimensions, long ByteSize, ReadOnlyMemory<byte> Data, Action<Stream>? Writer);

    /// <summary>Serializes header, metadata and tensor directory (small next to the data) into one buffer.</summary>
    private sealed class HeaderBuilder
    {
        private readonly MemoryStream _buffer = new();
        private readonly byte[] _scratch = new byte[8];

        public byte[] ToArray() => _buffer.ToArray();

        public void U8(byte v) => _buffer.WriteByte(v);

        public void U16(ushort v)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(_scratch, v);
            _buffer.Write(_scratch, 0, 2);
        }

        public void U32(uint v)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_scratch, v);
            _buffer.Write(_scratch, 0, 4);
        }

        public void U64(ulong v)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_scratch, v);
            _buffer.Write(_scratch, 0, 8);
        }

        public void String(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            U64((ulong)bytes.Length);
            _buffer.Write(bytes);
        }

        public void Value(GgufValue value)
        {
            switch (value.Value)
            {
                case byte b: U8(b); break;
                case sbyte sb: U8((byte)sb); break;
                case ushort us: U16(us); break;
                case short s: U16((ushort)s); break;
                case uint ui: U32(ui); break;
                case int i: U32((uint)i); break;
                case float f: U32(BitConverter.SingleToUInt32Bits(f)); break;
                case bool bo: U8(bo ? (byte)1 : (byte)0); break;
                case string str: String(str); break;
                case ulong ul: U64(ul); break;
                case long l: U64((ulong)l); break;
                case double d: U64(BitConverter.DoubleToUInt64Bits(d)); break;
                case GgufArray a: Array(a); break;
                default: throw new InvalidOperationException($"Unsupported metadata value {value.Value.GetType().Name}.");
            }
        }

        private void Array(GgufArray a)
        {
            U32((uint)a.ElementType);
            U64((ulong)a.Count);
            switch (a.Items)
            {
                case string[] strings:
                    foreach (var s in strings)
                    {
                        String(s);
                    }

                    break;
                case GgufArray[] nested:
                    foreach (var n in nested)
                    {
                        Array(n);
                    }

                    break;
                case bool[] bools:
                    foreach (var b in bools)
                    {
                        U8(b ? (byte)1 : (byte)0);
                    }

                    break;
                default:
                    // Fixed-size numbers: the in-memory layout is the little-endian file layout.
                    _buffer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(RawSpan(a.Items)));
                    break;
            }
        }

        private static ReadOnlySpan<byte> RawSpan(Array items) => items switch
        {
            byte[] x => x,
            sbyte[] x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()),
            ushort[] x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()),
            short[] x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()),
            uint[] x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()),
            int[] x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()),
            float[] x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()),
            ulong[] x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()),
            long[] x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()),
            double[] x => System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan()),
            _ => throw new InvalidOperationException($"Unsupported array storage {items.GetType().Name}."),
        };
    }
}
