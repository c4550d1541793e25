using System.Globalization;
using System.Text.Json.Nodes;
using Hearth.Packaging.Oci;
using Hearth.Packaging.Sources;

namespace Hearth.Packaging.ModelPack;

/// <summary>
/// A model as a CNCF ModelPack artifact (model-spec v1): an OCI manifest with artifactType
/// <c>application/vnd.cncf.model.manifest.v1+json</c>, a model config (<c>descriptor</c>,
/// <c>config.format = gguf</c>, <c>modelfs.diffIds</c>), and the GGUF file itself as one raw weight
/// layer, so the layer digest is the spec's sha256. KitOps and Docker Model Runner read this shape.
/// </summary>
public static class ModelPackArtifact
{
    public const string FilePathAnnotation = "org.cncf.model.filepath";

    public static async Task<string> PushAsync(IImageTarget target, ResolvedModel model, string? tag, DateTimeOffset epoch, CancellationToken cancellationToken)
    {
        var layer = new FileBlob(model.Path, Digest.FromHex(model.Spec.Sha256), model.Size);
        var config = new BytesBlob(CanonicalJson.Serialize(Config(model, layer, epoch)));
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.Manifest,
            ["artifactType"] = MediaTypes.ModelPackArtifact,
            ["config"] = config.Describe(MediaTypes.ModelPackConfig).ToJson(),
            ["layers"] = new JsonArray((layer.Describe(MediaTypes.ModelPackWeightRaw) with
            {
                Annotations = new Dictionary<string, string> { [FilePathAnnotation] = model.Spec.Name + ".gguf" },
            }).ToJson()),
        };
        foreach (var blob in new Blob[] { layer, config })
        {
            if (!await target.HasBlobAsync(blob.Digest, cancellationToken).ConfigureAwait(false))
            {
                await target.PutBlobAsync(blob, cancellationToken).ConfigureAwait(false);
            }
        }

        var manifestBlob = new BytesBlob(CanonicalJson.Serialize(manifest));
        await target.PutManifestAsync(manifestBlob, MediaTypes.Manifest, tag, cancellationToken).ConfigureAwait(false);
        return manifestBlob.Digest;
    }

    internal static JsonObject Config(ResolvedModel model, Blob layer, DateTimeOffset epoch) => new()
    {
        ["descriptor"] = new JsonObject
        {
            ["name"] = model.Spec.Name,
            ["createdAt"] = epoch.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["licenses"] = model.Spec.License is { } license ? new JsonArray(license) : new JsonArray(),
            ["sourceURL"] = model.Spec.Source.Display,
        },
        ["config"] = new JsonObject { ["format"] = "gguf" },
        ["modelfs"] = new JsonObject { ["type"] = "layers", ["diffIds"] = new JsonArray(layer.Digest) },
    };
}
