namespace Hearth.Packaging.Spec;

/// <summary>
/// A validated <c>hearth.pack.yaml</c>: what goes into a model image. Built only by
/// <see cref="SpecParser"/>, so every instance has passed validation.
/// </summary>
public sealed record PackSpec(
    string ApiVersion,
    string Name,
    IReadOnlyList<ModelSpec> Models,
    IReadOnlyList<Oci.Platform> Platforms,
    RuntimeSpec Runtime,
    ServeSpec Serve,
    IReadOnlyDictionary<string, string> Labels,
    string BaseDirectory)
{
    public const string CurrentApiVersion = "hearth.dev/v1";
}

/// <summary>One model file of the image. <see cref="Sha256"/> is always known: every source must name it.</summary>
public sealed record ModelSpec(
    string Name,
    ModelSource Source,
    string Sha256,
    string? TemplatePath,
    IReadOnlyDictionary<string, object> Parameters,
    string? License);

/// <summary>The runtime image the model layers are stacked on; null <see cref="Image"/> = build it from this checkout.</summary>
public sealed record RuntimeSpec(string? Image);

/// <summary>How the image's entrypoint serves the models.</summary>
public sealed record ServeSpec(int Port, int Parallel, string? ApiKeyEnv, int? Context)
{
    public static ServeSpec Default { get; } = new(8080, 4, null, null);
}

/// <summary>Where a model file comes from.</summary>
public abstract record ModelSource
{
    /// <summary>The source as written in the spec, for labels and the SBOM.</summary>
    public abstract string Display { get; }
}

/// <summary>
/// A file on this machine as the spec wrote it; <see cref="FullPath"/> is resolved against the
/// spec's folder. Labels show <see cref="Path"/>, so where the checkout lives does not change the image.
/// </summary>
public sealed record LocalSource(string Path) : ModelSource
{
    public string FullPath { get; init; } = Path;

    public override string Display => Path;
}

/// <summary>An https (or, for local mirrors, http) URL of the file.</summary>
public sealed record UrlSource(Uri Url) : ModelSource
{
    public override string Display => Url.ToString();
}

/// <summary><c>hf.co/owner/repo@commit:file</c>, pinned to a commit so the bytes cannot change under the spec.</summary>
public sealed record HubSource(string Owner, string Repository, string Commit, string File) : ModelSource
{
    public override string Display => $"hf.co/{Owner}/{Repository}@{Commit}:{File}";
}

/// <summary><c>oci://registry/repo[:tag|@digest]</c>: a ModelPack artifact or an Ollama registry model.</summary>
public sealed record OciSource(string Reference) : ModelSource
{
    public override string Display => "oci://" + Reference;
}
