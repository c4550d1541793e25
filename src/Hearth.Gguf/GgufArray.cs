namespace Hearth.Gguf;

/// <summary>
/// A metadata array: elements of one <see cref="ElementType"/>, stored as the matching .NET array
/// (byte[], sbyte[], ushort[], short[], uint[], int[], float[], bool[], string[], GgufArray[], ulong[], long[], double[]).
/// </summary>
public sealed class GgufArray
{
    private readonly Array _items;

    private GgufArray(GgufValueType elementType, Array items)
    {
        ElementType = elementType;
        _items = items;
    }

    public GgufValueType ElementType { get; }

    public int Count => _items.Length;

    /// <summary>Wraps <paramref name="items"/> (not copied) as an array of the GGUF type that matches <typeparamref name="T"/>.</summary>
    public static GgufArray Create<T>(T[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return new GgufArray(ElementTypeOf(typeof(T)), items);
    }

    /// <summary>The elements without copying; <typeparamref name="T"/> must be the storage type of <see cref="ElementType"/>.</summary>
    public ReadOnlySpan<T> AsSpan<T>() => _items is T[] typed
        ? typed
        : throw new InvalidOperationException($"Array of {ElementType} cannot be read as {typeof(T).Name}.");

    /// <summary>The element at <paramref name="index"/>, boxed.</summary>
    public object this[int index] => _items.GetValue(index)!;

    internal Array Items => _items;

    /// <summary>The first <paramref name="count"/> elements as a new array of the same type.</summary>
    public GgufArray Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        count = Math.Min(count, Count);
        var items = Array.CreateInstance(_items.GetType().GetElementType()!, count);
        Array.Copy(_items, items, count);
        return new GgufArray(ElementType, items);
    }

    public override string ToString() => $"[{ElementType.ToString().ToLowerInvariant()} x {Count}]";

    internal static GgufValueType ElementTypeOf(Type t) =>
        t == typeof(byte) ? GgufValueType.UInt8
        : t == typeof(sbyte) ? GgufValueType.Int8
        : t == typeof(ushort) ? GgufValueType.UInt16
        : t == typeof(short) ? GgufValueType.Int16
        : t == typeof(uint) ? GgufValueType.UInt32
        : t == typeof(int) ? GgufValueType.Int32
        : t == typeof(float) ? GgufValueType.Float32
        : t == typeof(bool) ? GgufValueType.Bool
        : t == typeof(string) ? GgufValueType.String
        : t == typeof(GgufArray) ? GgufValueType.Array
        : t == typeof(ulong) ? GgufValueType.UInt64
        : t == typeof(long) ? GgufValueType.Int64
        : t == typeof(double) ? GgufValueType.Float64
        : throw new ArgumentException($"{t.Name} is not a GGUF array element type.", nameof(t));
}
