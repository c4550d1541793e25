namespace Hearth.Store;

/// <summary>Tensor count and bytes of one tensor type inside a model file.</summary>
public readonly record struct TensorTypeStats(int Tensors, long Bytes);

/// <summary>
/// One model the store knows: a registry entry (<see cref="IsRegistered"/>) or a GGUF file that
/// was named by path and is not in the registry (then <see cref="Sha256"/> is null and the
/// GGUF-derived fields are empty).
/// </summary>
public sealed record ModelEntry
{
    /// <summary>Normalised name without the tag (for a path entry: the full path).</summary>
    public required string Name { get; init; }

    /// <summary>Tag (default "latest"); empty for a path entry.</summary>
    public required string Tag { get; init; }

    /// <summary>Absolute path of the GGUF file to load.</summary>
    public required string Path { get; init; }

    /// <summary>Lower-case hex SHA-256 of the file; null for a path entry.</summary>
    public string? Sha256 { get; init; }

    public required long Size { get; init; }

    /// <summary><c>general.architecture</c> of the GGUF (e.g. "llama"), when present.</summary>
    public string? Architecture { get; init; }

    /// <summary>Name of <c>general.file_type</c> (e.g. "Q4_K_M"), when the file declares it.</summary>
    public string? FileType { get; init; }

    /// <summary>Tensor type name ("Q4_K", "F32") to tensor count and bytes.</summary>
    public IReadOnlyDictionary<string, TensorTypeStats> TypeMix { get; init; } = new Dictionary<string, TensorTypeStats>();

    /// <summary>Where it came from: a URL for pulls, a local path for create/path entries.</summary>
    public required string Source { get; init; }

    public DateTimeOffset Added { get; init; }

    public bool IsRegistered { get; init; }

    /// <summary>"name:tag" for registry entries, the path for path entries.</summary>
    public string FullName => IsRegistered ? Name + ":" + Tag : Path;

    /// <summary>The tensor type holding the most bytes (the weight format that matters for speed).</summary>
    public string? DominantType => TypeMix.Count == 0 ? null : TypeMix.MaxBy(kv => kv.Value.Bytes).Key;

    /// <summary>What to show as "type": the declared file type, else the dominant tensor type.</summary>
    public string? DisplayType => FileType ?? DominantType;
}
