using System.Numerics;

namespace Hearth.Gguf;

/// <summary>What the header, metadata and tensor directory of a GGUF file say.</summary>
internal sealed record GgufLayout(uint Version, GgufMetadata Metadata, List<GgufTensorInfo> Tensors, int Alignment, long DataOffset);

/// <summary>
/// Parses the header, key/value metadata and tensor directory (gguf.md in the ggml repository; checks follow
/// gguf.cpp's gguf_init_from_file_impl). Every count and length read from the file is checked against the
/// bytes that remain before anything is allocated from it, so memory stays proportional to the file size and
/// malformed input ends in <see cref="GgufFormatException"/>, never in another exception.
/// </summary>
internal static class GgufParser
{
    /// <summary>"GGUF" read as a little-endian u32.</summary>
    public const uint Magic = 0x46554747;

    /// <summary>Magic + version + tensor count + metadata count.</summary>
    public const int HeaderBytes = 4 + 4 + 8 + 8;

    /// <summary>Default data alignment when general.alignment is absent (GGUF_DEFAULT_ALIGNMENT).</summary>
    public const int DefaultAlignment = 32;

    public const string AlignmentKey = "general.alignment";

    /// <summary>The reference limits tensor dimensions to 4 (GGML_MAX_DIMS).</summary>
    public const int MaxDimensions = 4;

    /// <summary>The reference stores names in a 64-byte buffer with a terminating NUL (GGML_MAX_NAME).</summary>
    public const int MaxTensorNameBytes = 63;

    /// <summary>
    /// Arrays of arrays are legal in the spec but no known writer nests deeply; the limit keeps a crafted file
    /// from recursing until the stack overflows (which no catch block can handle).
    /// </summary>
    public const int MaxArrayDepth = 8;

    /// <summary>Smallest possible tensor directory entry: empty name (u64 length), n_dims (u32), type (u32), offset (u64).</summary>
    private const int MinTensorInfoBytes = 8 + 4 + 4 + 8;

    /// <summary>Smallest possible metadata entry: empty key (u64 length), value type (u32), one-byte value.</summary>
    private const int MinKeyValueBytes = 8 + 4 + 1;

    public static GgufLayout Parse(ref GgufSpanReader r, string? path)
    {
        if (r.Length < HeaderBytes)
        {
            throw r.Error($"file is {r.Length} bytes, shorter than the {HeaderBytes}-byte GGUF header", 0);
        }

        var magic = r.ReadU32("magic");
        if (magic != Magic)
        {
            throw r.Error($"bad magic 0x{magic:X8} (expected \"GGUF\"); not a GGUF file", 0);
        }

        var version = ReadVersion(ref r);

        var tensorCountAt = r.Position;
        var tensorCount = r.ReadI64("tensor count");
        var kvCountAt = r.Position;
        var kvCount = r.ReadI64("metadata count");
        CheckCount(ref r, tensorCount, MinTensorInfoBytes, "tensor count", tensorCountAt);
        CheckCount(ref r, kvCount, MinKeyValueBytes, "metadata key/value count", kvCountAt);

        var metadata = ReadMetadata(ref r, (int)kvCount, path);
        var alignment = ReadAlignment(ref r, metadata);
        var tensors = ReadTensorDirectory(ref r, (int)tensorCount);

        var dataOffset = AlignUp(r.Position, alignment);
        CheckTensorPlacement(ref r, tensors, alignment, dataOffset);
        return new GgufLayout(version, metadata, tensors, alignment, dataOffset);
    }

    public static long AlignUp(long value, int alignment) => (value + alignment - 1) & ~((long)alignment - 1);

    private static uint ReadVersion(ref GgufSpanReader r)
    {
        var at = r.Position;
        var version = r.ReadU32("version");
        if (version == 1)
        {
            throw r.Error("GGUF version 1 is not supported (it used 32-bit counts); convert the file with a current tool", at);
        }

        if ((version & 0xFFFF) == 0 && version != 0)
        {
            throw r.Error($"version field 0x{version:X8} looks byte-swapped: big-endian GGUF files are not supported", at);
        }

        if (version is not (2 or 3))
        {
            throw r.Error($"unsupported GGUF version {version} (supported: 2, 3)", at);
        }

        return version;
    }

    private static void CheckCount(ref GgufSpanReader r, long count, int minBytesEach, string what, long at)
    {
        if (count < 0 || count > int.MaxValue || count * minBytesEach > r.Remaining)
        {
            throw r.Error($"{what} {(ulong)count} is impossible: {r.Remaining} bytes remain and each entry needs at least {minBytesEach}", at);
        }
    }

    private static GgufMetadata ReadMetadata(ref GgufSpanReader r, int count, string? path)
    {
        var ordered = new List<KeyValuePair<string, GgufValue>>(count);
        var map = new Dictionary<string, GgufValue>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var at = r.Position;
            var key = r.ReadString("metadata key #", i);
            var typeAt = r.Position;
            var type = ReadValueType(ref r, $"type of '{key}'", typeAt);
            var value = ReadValue(ref r, type, key, 0);
            if (!map.TryAdd(key, value))
            {
                throw r.Error($"duplicate metadata key '{key}'", at);
            }

            ordered.Add(new(key, value));
        }

        return new GgufMetadata(ordered, map, path);
    }

    private static GgufValueType ReadValueType(ref GgufSpanReader r, string what, long at)
    {
        var raw = r.ReadU32(what);
        return GgufValueTypes.IsDefined(raw) ? (GgufValueType)raw : throw r.Error($"unknown metadata value type {raw} for {what}", at);
    }

    private static GgufValue ReadValue(ref GgufSpanReader r, GgufValueType type, string key, int depth) => type switch
    {
        GgufValueType.UInt8 => GgufValue.From(r.ReadU8(key)),
        GgufValueType.Int8 => GgufValue.From((sbyte)r.ReadU8(key)),
        GgufValueType.UInt16 => GgufValue.From(r.ReadU16(key)),
        GgufValueType.Int16 => GgufValue.From((short)r.ReadU16(key)),
        GgufValueType.UInt32 => GgufValue.From(r.ReadU32(key)),
        GgufValueType.Int32 => GgufValue.From((int)r.ReadU32(key)),
        GgufValueType.Float32 => GgufValue.From(BitConverter.UInt32BitsToSingle(r.ReadU32(key))),
        GgufValueType.Bool => GgufValue.From(r.ReadU8(key) != 0),
        GgufValueType.String => GgufValue.From(r.ReadString(key)),
        GgufValueType.UInt64 => GgufValue.From(r.ReadU64(key)),
        GgufValueType.Int64 => GgufValue.From(r.ReadI64(key)),
        GgufValueType.Float64 => GgufValue.From(BitConverter.UInt64BitsToDouble(r.ReadU64(key))),
        GgufValueType.Array => GgufValue.From(ReadArray(ref r, key, depth + 1)),
        _ => throw r.Error($"unknown metadata value type {(uint)type} for '{key}'"),
    };

    private static GgufArray ReadArray(ref GgufSpanReader r, string key, int depth)
    {
        var at = r.Position;
        if (depth > MaxArrayDepth)
        {
            throw r.Error($"'{key}' nests arrays more than {MaxArrayDepth} deep", at);
        }

        var elementType = ReadValueType(ref r, $"element type of '{key}'", at);
        var countAt = r.Position;
        var count = r.ReadU64($"element count of '{key}'");
        var min = GgufValueTypes.MinSize(elementType);
        if (count > int.MaxValue || (long)count * min > r.Remaining)
        {
            throw r.Error($"array '{key}' claims {count} {elementType} elements but only {r.Remaining} bytes remain", countAt);
        }

        var n = (int)count;
        return elementType switch
        {
            GgufValueType.UInt8 => GgufArray.Create(r.Take(n, key).ToArray()),
            GgufValueType.Int8 => GgufArray.Create(ReadFixed<sbyte>(ref r, n, key)),
            GgufValueType.UInt16 => GgufArray.Create(ReadFixed<ushort>(ref r, n, key)),
            GgufValueType.Int16 => GgufArray.Create(ReadFixed<short>(ref r, n, key)),
            GgufValueType.UInt32 => GgufArray.Create(ReadFixed<uint>(ref r, n, key)),
            GgufValueType.Int32 => GgufArray.Create(ReadFixed<int>(ref r, n, key)),
            GgufValueType.Float32 => GgufArray.Create(ReadFixed<float>(ref r, n, key)),
            GgufValueType.UInt64 => GgufArray.Create(ReadFixed<ulong>(ref r, n, key)),
            GgufValueType.Int64 => GgufArray.Create(ReadFixed<long>(ref r, n, key)),
            GgufValueType.Float64 => GgufArray.Create(ReadFixed<double>(ref r, n, key)),
            GgufValueType.Bool => GgufArray.Create(ReadBools(ref r, n, key)),
            GgufValueType.String => GgufArray.Create(ReadStrings(ref r, n, key)),
            GgufValueType.Array => GgufArray.Create(ReadArrays(ref r, n, key, depth)),
            _ => throw r.Error($"unknown element type {elementType} in '{key}'", at),
        };
    }

    /// <summary>Fixed-size numbers: one bulk copy (the file is little-endian like every platform .NET runs on here).</summary>
    private static T[] ReadFixed<T>(ref GgufSpanReader r, int n, string key)
        where T : unmanaged
    {
        var bytes = r.Take(checked(n * System.Runtime.CompilerServices.Unsafe.SizeOf<T>()), key);
        var result = new T[n];
        bytes.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(result.AsSpan()));
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Hearth reads GGUF on little-endian machines only.");
        }

        return result;
    }

    private static bool[] ReadBools(ref GgufSpanReader r, int n, string key)
    {
        var bytes = r.Take(n, key);
        var result = new bool[n];
        for (var i = 0; i < n; i++)
        {
            result[i] = bytes[i] != 0;
        }

        return result;
    }

    private static string[] ReadStrings(ref GgufSpanReader r, int n, string key)
    {
        var result = new string[n];
        for (var i = 0; i < n; i++)
        {
            result[i] = r.ReadString(key, i);
        }

        return result;
    }

    private static GgufArray[] ReadArrays(ref GgufSpanReader r, int n, string key, int depth)
    {
        var result = new GgufArray[n];
        for (var i = 0; i < n; i++)
        {
            result[i] = ReadArray(ref r, key, depth + 1);
        }

        return result;
    }

    private static int ReadAlignment(ref GgufSpanReader r, GgufMetadata metadata)
    {
        if (!metadata.TryGetValue(AlignmentKey, out var value))
        {
            return DefaultAlignment;
        }

        // The reference reads it with gguf_get_val_u32, so any other type is malformed.
        if (value.Value is not uint a)
        {
            throw r.Error($"{AlignmentKey} must be a uint32, found {value.Type}");
        }

        if (a == 0 || !BitOperations.IsPow2(a) || a > 1u << 30)
        {
            throw r.Error($"{AlignmentKey} is {a}; it must be a nonzero power of two (at most 2^30)");
        }

        return (int)a;
    }

    private static List<GgufTensorInfo> ReadTensorDirectory(ref GgufSpanReader r, int count)
    {
        var tensors = new List<GgufTensorInfo>(count);
        var names = new HashSet<string>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var at = r.Position;
            var name = r.ReadString("name of tensor #", i);
            if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxTensorNameBytes)
            {
                throw r.Error($"tensor name '{name}' is longer than {MaxTensorNameBytes} bytes", at);
            }

            if (!names.Add(name))
            {
                throw r.Error($"duplicate tensor name '{name}'", at);
            }

            var dimsAt = r.Position;
            var nDims = r.ReadU32($"dimension count of '{name}'");
            if (nDims > MaxDimensions)
            {
                throw r.Error($"tensor '{name}' has {nDims} dimensions; at most {MaxDimensions} are allowed", dimsAt);
            }

            var dims = new long[nDims];
            long product = 1;
            var anyZero = false;
            for (var d = 0; d < nDims; d++)
            {
                var dimAt = r.Position;
                dims[d] = r.ReadI64($"dimension {d} of '{name}'");
                if (dims[d] < 0)
                {
                    throw r.Error($"tensor '{name}' dimension {d} is negative ({dims[d]})", dimAt);
                }

                // The product of the nonzero dimensions must fit, so row counts derived from any subset fit too.
                if (dims[d] == 0)
                {
                    anyZero = true;
                }
                else if (product > long.MaxValue / dims[d])
                {
                    throw r.Error($"tensor '{name}' shape [{string.Join(", ", dims.AsSpan(0, d + 1).ToArray())}...] has more elements than a 64-bit count holds", dimsAt);
                }
                else
                {
                    product *= dims[d];
                }
            }

            var elements = anyZero ? 0 : product;

            var typeAt = r.Position;
            var rawType = r.ReadU32($"type of '{name}'");
            var type = (GgmlType)rawType;
            if (!GgmlTypeInfo.IsKnown(type))
            {
                throw r.Error($"tensor '{name}' has unknown ggml type {rawType}", typeAt);
            }

            var blockSize = GgmlTypeInfo.BlockSize(type);
            var blockBytes = GgmlTypeInfo.BlockBytes(type);
            var rowLength = nDims == 0 ? 1 : dims[0];
            if (rowLength % blockSize != 0)
            {
                throw r.Error($"tensor '{name}' row length {rowLength} is not a multiple of the {GgmlTypeInfo.Name(type)} block size {blockSize}", typeAt);
            }

            var blocks = elements / blockSize;
            if (blocks > long.MaxValue / blockBytes)
            {
                throw r.Error($"tensor '{name}' byte size overflows a 64-bit count", typeAt);
            }

            var offsetAt = r.Position;
            var offset = r.ReadU64($"data offset of '{name}'");
            if (offset > long.MaxValue)
            {
                throw r.Error($"tensor '{name}' data offset {offset} is past any possible file end", offsetAt);
            }

            tensors.Add(new GgufTensorInfo(name, type, dims, (long)offset, elements, blocks * blockBytes, at));
        }

        return tensors;
    }

    /// <summary>Every tensor must be aligned, inside the file and must not share bytes with another.</summary>
    private static void CheckTensorPlacement(ref GgufSpanReader r, List<GgufTensorInfo> tensors, int alignment, long dataOffset)
    {
        if (tensors.Count == 0)
        {
            return;
        }

        var dataBytes = r.Length - dataOffset;
        foreach (var t in tensors)
        {
            if (t.Offset % alignment != 0)
            {
                throw r.Error($"tensor '{t.Name}' data offset {t.Offset} is not a multiple of the alignment {alignment}", t.DirectoryOffset);
            }

            if (t.Offset > dataBytes || t.ByteSize > dataBytes - t.Offset)
            {
                throw r.Error(
                    $"tensor '{t.Name}' data [{dataOffset + t.Offset}, {dataOffset + t.Offset + t.ByteSize}) lies outside the file ({r.Length} bytes, data section starts at {dataOffset})",
                    t.DirectoryOffset);
            }
        }

        var byOffset = tensors.Where(t => t.ByteSize > 0).OrderBy(t => t.Offset).ToArray();
        for (var i = 1; i < byOffset.Length; i++)
        {
            var prev = byOffset[i - 1];
            if (prev.Offset + prev.ByteSize > byOffset[i].Offset)
            {
                throw r.Error($"tensor '{byOffset[i].Name}' data overlaps tensor '{prev.Name}'", byOffset[i].DirectoryOffset);
            }
        }
    }
}
