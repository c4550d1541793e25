using Hearth.Gguf;

namespace Hearth.Tokenizers;

/// <summary>Reads a GGUF metadata value as the plain CLR shapes <see cref="Vocab.VocabularyData.Read"/> expects.</summary>
internal static class GgufValues
{
    public static object? Get(GgufMetadata metadata, string key)
    {
        if (!metadata.TryGetValue(key, out var value))
        {
            return null;
        }

        return value.Type switch
        {
            GgufValueType.String => metadata.GetString(key),
            GgufValueType.Bool => metadata.GetBool(key),
            GgufValueType.Float32 or GgufValueType.Float64 => metadata.GetFloat(key),
            GgufValueType.Array when value.Value is GgufArray a => a.ElementType switch
            {
                GgufValueType.String => metadata.GetStringArray(key),
                GgufValueType.Float32 => metadata.GetFloat32Array(key),
                GgufValueType.Int32 or GgufValueType.UInt32 or GgufValueType.Int16 or GgufValueType.UInt16
                    or GgufValueType.Int8 or GgufValueType.UInt8 => metadata.GetInt32Array(key),
                _ => null,
            },
            GgufValueType.Array => null,
            _ => metadata.GetInteger(key),
        };
    }
}
