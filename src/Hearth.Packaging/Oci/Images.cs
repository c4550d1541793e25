using System.Text.Json.Nodes;

namespace Hearth.Packaging.Oci;

/// <summary>A layer as a manifest lists it, with the blob that holds it.</summary>
public sealed record Layer(Descriptor Descriptor, Blob Blob);

/// <summary>One platform's image: manifest and config as the exact bytes hashed, and its layers.</summary>
public sealed record PlatformImage(Platform Platform, BytesBlob Manifest, BytesBlob Config, IReadOnlyList<Layer> Layers)
{
    public JsonObject ConfigJson() => (JsonObject)JsonNode.Parse(Config.Bytes)!;

    public JsonObject ManifestJson() => (JsonObject)JsonNode.Parse(Manifest.Bytes)!;

    public static PlatformImage Create(Platform platform, JsonObject config, IReadOnlyList<Layer> layers, IReadOnlyDictionary<string, string>? annotations = null)
    {
        var configBlob = new BytesBlob(CanonicalJson.Serialize(config));
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.Manifest,
            ["config"] = configBlob.Describe(MediaTypes.Config).ToJson(),
            ["layers"] = new JsonArray([.. layers.Select(l => (JsonNode)l.Descriptor.ToJson())]),
        };
        if (annotations is { Count: > 0 })
        {
            manifest["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value)));
        }

        return new PlatformImage(platform, new BytesBlob(CanonicalJson.Serialize(manifest)), configBlob, layers);
    }
}

/// <summary>A multi-platform image: the index and each platform's image. Layers with the same digest are stored once.</summary>
public sealed record ImageSet(BytesBlob Index, IReadOnlyList<PlatformImage> Images)
{
    public string Digest => Index.Digest;

    public static ImageSet Create(IReadOnlyList<PlatformImage> images, IReadOnlyDictionary<string, string>? annotations = null)
    {
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.Index,
            ["manifests"] = new JsonArray([.. images.Select(i => (JsonNode)(i.Manifest.Describe(MediaTypes.Manifest) with { Platform = i.Platform }).ToJson())]),
        };
        if (annotations is { Count: > 0 })
        {
            index["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value)));
        }

        return new ImageSet(new BytesBlob(CanonicalJson.Serialize(index)), images);
    }

    /// <summary>Every layer and config blob, each digest once (model layers are shared between platforms).</summary>
    public IEnumerable<Blob> Blobs()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in Images)
        {
            foreach (var blob in image.Layers.Select(l => l.Blob).Append(image.Config))
            {
                if (seen.Add(blob.Digest))
                {
                    yield return blob;
                }
            }
        }
    }
}
