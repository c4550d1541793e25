namespace Hearth.Gguf;

/// <summary>Metadata value types as numbered in the GGUF specification (gguf.md, enum gguf_metadata_value_type).</summary>
public enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}

internal static class GgufValueTypes
{
    public static bool IsDefined(uint t) => t <= (uint)GgufValueType.Float64;

    public static bool IsInteger(GgufValueType t) => t is GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.UInt16
        or GgufValueType.Int16 or GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.UInt64 or GgufValueType.Int64;

    /// <summary>Bytes a scalar of this type occupies on disk; 0 for string and array (variable length).</summary>
    public static int FixedSize(GgufValueType t) => t switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 => 8,
        _ => 0,
    };

    /// <summary>Smallest number of bytes one element of this type can take on disk (used to bound counts before allocating).</summary>
    public static int MinSize(GgufValueType t) => t switch
    {
        GgufValueType.String => 8,          // u64 length
        GgufValueType.Array => 4 + 8,       // u32 element type + u64 count
        _ => FixedSize(t),
    };
}
