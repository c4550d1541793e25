namespace Hearth.Packaging.Oci;

/// <summary>The media types Hearth writes and reads (OCI image spec 1.1, plus Docker's for pulling).</summary>
public static class MediaTypes
{
    public const string Index = "application/vnd.oci.image.index.v1+json";
    public const string Manifest = "application/vnd.oci.image.manifest.v1+json";
    public const string Config = "application/vnd.oci.image.config.v1+json";

    /// <summary>Uncompressed tar: GGUF barely compresses, and the digest is then also the diffID.</summary>
    public const string Layer = "application/vnd.oci.image.layer.v1.tar";
    public const string LayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string Empty = "application/vnd.oci.empty.v1+json";

    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    public const string Spdx = "application/spdx+json";

    /// <summary>CNCF ModelPack (model-spec v1).</summary>
    public const string ModelPackArtifact = "application/vnd.cncf.model.manifest.v1+json";
    public const string ModelPackConfig = "application/vnd.cncf.model.config.v1+json";
    public const string ModelPackWeightRaw = "application/vnd.cncf.model.weight.v1.raw";

    /// <summary>The GGUF file of an Ollama registry model (its manifest is a Docker v2 manifest).</summary>
    public const string OllamaModel = "application/vnd.ollama.image.model";
    public const string OllamaConfig = "application/vnd.docker.container.image.v1+json";

    public static bool IsIndex(string mediaType) => mediaType is Index or DockerManifestList;

    public static bool IsManifest(string mediaType) => mediaType is Manifest or DockerManifest;

    /// <summary>Accept header for manifest GETs: every kind we can read.</summary>
    public static readonly string[] ManifestAccept = [Index, Manifest, DockerManifestList, DockerManifest];
}
