namespace Hearth.Store;

/// <summary>A model name that breaks the naming rules of <see cref="ModelName"/>.</summary>
public sealed class InvalidModelNameException(string name, string reason)
    : ArgumentException($"invalid model name '{name}': {reason}")
{
    public string Name { get; } = name;

    public string Reason { get; } = reason;
}

/// <summary>No registered model has this name and no file exists at this path.</summary>
public sealed class ModelNotFoundException(string nameOrPath)
    : Exception($"model '{nameOrPath}' not found (see 'hearth list', or pull it with 'hearth pull')")
{
    public string NameOrPath { get; } = nameOrPath;
}

/// <summary>A downloaded or imported file whose SHA-256 differs from the expected one; the file was removed.</summary>
/// <remarks>A <see cref="FormatException"/> (InvalidDataException is sealed): the input is not what it should be.</remarks>
public sealed class ChecksumMismatchException(string source, string expected, string actual)
    : FormatException($"sha256 mismatch for {source}: expected {expected}, got {actual}; the download was removed")
{
    public string Origin { get; } = source;

    public string Expected { get; } = expected;

    public string Actual { get; } = actual;
}

/// <summary>The registry database was written by a newer Hearth with a schema this one does not know.</summary>
public sealed class RegistrySchemaException(string path, long version, long supported)
    : NotSupportedException($"model registry {path} has schema version {version}; this Hearth supports up to {supported}")
{
    public string Path { get; } = path;

    public long Version { get; } = version;
}
