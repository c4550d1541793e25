using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Hearth.Gguf;

/// <summary>
/// The key/value metadata of a GGUF file, in file order, with typed getters. Every getter's error is a
/// <see cref="GgufMetadataException"/> naming the key, the expected type, the actual type and the file.
/// The <c>TryGet*</c> getters return null only when the key is absent; a key holding the wrong type still throws,
/// because silently ignoring a malformed value hides broken files.
/// </summary>
public sealed class GgufMetadata : IReadOnlyDictionary<string, GgufValue>
{
    private readonly Dictionary<string, GgufValue> _map;
    private readonly List<KeyValuePair<string, GgufValue>> _ordered;

    internal GgufMetadata(List<KeyValuePair<string, GgufValue>> ordered, Dictionary<string, GgufValue> map, string? path)
    {
        _ordered = ordered;
        _map = map;
        Path = path;
    }

    /// <summary>The file this metadata came from (used in error messages).</summary>
    public string? Path { get; }

    public int Count => _ordered.Count;

    public IEnumerable<string> Keys => _ordered.Select(p => p.Key);

    public IEnumerable<GgufValue> Values => _ordered.Select(p => p.Value);

    public GgufValue this[string key] => _map.TryGetValue(key, out var v) ? v : throw Missing(key, "any value");

    public bool ContainsKey(string key) => _map.ContainsKey(key);

    public bool Contains(string key) => _map.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out GgufValue value) => _map.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, GgufValue>> GetEnumerator() => _ordered.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public string GetString(string key) => GetStringOrDefault(key) ?? throw Missing(key, "string");

    public string? GetStringOrDefault(string key, string? fallback = null)
    {
        if (!_map.TryGetValue(key, out var v))
        {
            return fallback;
        }

        return v.Value as string ?? throw Wrong(key, "string", v);
    }

    /// <summary>Any integer type, as long; a uint64 above long.MaxValue is an error.</summary>
    public long GetInteger(string key) => TryGetInteger(key) ?? throw Missing(key, "integer");

    public long? TryGetInteger(string key)
    {
        if (!_map.TryGetValue(key, out var v))
        {
            return null;
        }

        if (v.TryGetInt64(out var l))
        {
            return l;
        }

        throw v.Type == GgufValueType.UInt64
            ? GgufMetadataException.OutOfRange(key, "integer", v.Type, Path, $"{v.Value} does not fit a signed 64-bit integer")
            : Wrong(key, "integer", v);
    }

    /// <summary>Any integer type that fits in an int.</summary>
    public int GetInt32(string key) => TryGetInt32(key) ?? throw Missing(key, "int32");

    public int? TryGetInt32(string key)
    {
        var l = TryGetInteger(key);
        if (l is null)
        {
            return null;
        }

        return l is >= int.MinValue and <= int.MaxValue
            ? (int)l.Value
            : throw GgufMetadataException.OutOfRange(key, "int32", _map[key].Type, Path, $"{l} does not fit a 32-bit integer");
    }

    /// <summary>float32 or float64 (integers are accepted and converted).</summary>
    public double GetFloat(string key) => TryGetFloat(key) ?? throw Missing(key, "float");

    public double? TryGetFloat(string key)
    {
        if (!_map.TryGetValue(key, out var v))
        {
            return null;
        }

        return v.Value switch
        {
            float f => f,
            double d => d,
            _ when v.TryGetInt64(out var l) => l,
            ulong ul => ul,
            _ => throw Wrong(key, "float", v),
        };
    }

    public bool GetBool(string key) => TryGetBool(key) ?? throw Missing(key, "bool");

    public bool? TryGetBool(string key)
    {
        if (!_map.TryGetValue(key, out var v))
        {
            return null;
        }

        return v.Value is bool b ? b : throw Wrong(key, "bool", v);
    }

    /// <summary>The array stored under <paramref name="key"/>, or null when absent.</summary>
    public GgufArray? TryGetArray(string key)
    {
        if (!_map.TryGetValue(key, out var v))
        {
            return null;
        }

        return v.AsArray() ?? throw Wrong(key, "array", v);
    }

    public GgufArray GetArray(string key) => TryGetArray(key) ?? throw Missing(key, "array");

    /// <summary>A copy of a string array.</summary>
    public string[] GetStringArray(string key) => TypedArray<string>(key, GgufValueType.String).ToArray();

    /// <summary>A copy of a float32 array (float64 arrays are converted).</summary>
    public float[] GetFloat32Array(string key)
    {
        var a = GetArray(key);
        return a.ElementType switch
        {
            GgufValueType.Float32 => a.AsSpan<float>().ToArray(),
            GgufValueType.Float64 => Array.ConvertAll(a.AsSpan<double>().ToArray(), d => (float)d),
            _ => throw WrongArray(key, "array of float32", a),
        };
    }

    /// <summary>A copy of an int32 array (other integer element types are converted when every element fits).</summary>
    public int[] GetInt32Array(string key)
    {
        var a = GetArray(key);
        if (a.ElementType == GgufValueType.Int32)
        {
            return a.AsSpan<int>().ToArray();
        }

        if (!GgufValueTypes.IsInteger(a.ElementType))
        {
            throw WrongArray(key, "array of int32", a);
        }

        var result = new int[a.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var element = a[i];
            long l = element switch
            {
                byte b => b, sbyte sb => sb, ushort us => us, short s => s, uint ui => ui, long x => x,
                ulong ul when ul <= long.MaxValue => (long)ul,
                _ => long.MaxValue,
            };
            if (l is < int.MinValue or > int.MaxValue)
            {
                throw GgufMetadataException.OutOfRange(key, "array of int32", GgufValueType.Array, Path, $"element {i} ({element}) does not fit a 32-bit integer");
            }

            result[i] = (int)l;
        }

        return result;
    }

    private ReadOnlySpan<T> TypedArray<T>(string key, GgufValueType elementType)
    {
        var a = GetArray(key);
        return a.ElementType == elementType ? a.AsSpan<T>() : throw WrongArray(key, "array of " + elementType.ToString().ToLowerInvariant(), a);
    }

    private GgufMetadataException Missing(string key, string expected) => new(key, expected, null, Path);

    private GgufMetadataException Wrong(string key, string expected, GgufValue actual) => new(key, expected, actual.Type, Path);

    private GgufMetadataException WrongArray(string key, string expected, GgufArray actual) =>
        GgufMetadataException.OutOfRange(key, expected, GgufValueType.Array, Path, $"holds an array of {actual.ElementType.ToString().ToLowerInvariant()}, expected {expected}");
}
