using System.Globalization;

namespace Hearth.Gguf;

/// <summary>
/// One metadata value: a scalar (boxed byte, sbyte, ushort, short, uint, int, float, bool, string, ulong,
/// long, double, matching <see cref="Type"/>) or a <see cref="GgufArray"/>.
/// </summary>
public sealed class GgufValue
{
    private GgufValue(GgufValueType type, object value)
    {
        Type = type;
        Value = value;
    }

    public GgufValueType Type { get; }

    public object Value { get; }

    public static GgufValue From(byte v) => new(GgufValueType.UInt8, v);

    public static GgufValue From(sbyte v) => new(GgufValueType.Int8, v);

    public static GgufValue From(ushort v) => new(GgufValueType.UInt16, v);

    public static GgufValue From(short v) => new(GgufValueType.Int16, v);

    public static GgufValue From(uint v) => new(GgufValueType.UInt32, v);

    public static GgufValue From(int v) => new(GgufValueType.Int32, v);

    public static GgufValue From(float v) => new(GgufValueType.Float32, v);

    public static GgufValue From(bool v) => new(GgufValueType.Bool, v);

    public static GgufValue From(string v) => new(GgufValueType.String, v ?? throw new ArgumentNullException(nameof(v)));

    public static GgufValue From(ulong v) => new(GgufValueType.UInt64, v);

    public static GgufValue From(long v) => new(GgufValueType.Int64, v);

    public static GgufValue From(double v) => new(GgufValueType.Float64, v);

    public static GgufValue From(GgufArray v) => new(GgufValueType.Array, v ?? throw new ArgumentNullException(nameof(v)));

    public GgufArray? AsArray() => Value as GgufArray;

    /// <summary>The value as a signed 64-bit integer when it is any integer type that fits.</summary>
    public bool TryGetInt64(out long value)
    {
        switch (Value)
        {
            case byte b: value = b; return true;
            case sbyte sb: value = sb; return true;
            case ushort us: value = us; return true;
            case short s: value = s; return true;
            case uint ui: value = ui; return true;
            case int i: value = i; return true;
            case long l: value = l; return true;
            case ulong ul when ul <= long.MaxValue: value = (long)ul; return true;
            default: value = 0; return false;
        }
    }

    public override string ToString() => Value switch
    {
        string s => s,
        GgufArray a => a.ToString(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Value.ToString() ?? string.Empty,
    };
}
