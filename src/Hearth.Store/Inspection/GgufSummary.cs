using Hearth.Gguf;

namespace Hearth.Store.Inspection;

/// <summary>What the registry records about a GGUF file's contents.</summary>
internal sealed record GgufSummary(string? Architecture, string? FileType, IReadOnlyDictionary<string, TensorTypeStats> TypeMix)
{
    /// <summary>
    /// Opens the file with the GGUF reader (which validates header, metadata and tensor directory)
    /// and summarises it. Throws <see cref="GgufFormatException"/> for files that are not GGUF.
    /// </summary>
    public static GgufSummary Read(string path)
    {
        using var file = GgufFile.Open(path);
        var architecture = file.Metadata.GetStringOrDefault("general.architecture");
        var fileType = file.Metadata.TryGetInteger("general.file_type") is { } ft ? FileTypeNames.Name(ft) : null;
        var mix = new SortedDictionary<string, TensorTypeStats>(StringComparer.Ordinal);
        foreach (var tensor in file.Tensors)
        {
            var name = tensor.Type.ToString();
            mix.TryGetValue(name, out var stats);
            mix[name] = new TensorTypeStats(stats.Tensors + 1, stats.Bytes + tensor.ByteSize);
        }

        return new GgufSummary(architecture, fileType, mix);
    }
}
