using System.Text.Json.Nodes;

namespace Hearth.Packaging.Oci;

/// <summary>Reads a whole image set (index or single manifest) from a source, blobs as lazy handles.</summary>
public static class ImageReader
{
    public static async Task<ImageSet> ReadAsync(IImageSource source, string reference, CancellationToken cancellationToken)
    {
        var (top, mediaType) = await source.GetManifestAsync(reference, cancellationToken).ConfigureAwait(false);
        if (MediaTypes.IsIndex(mediaType))
        {
            var images = new List<PlatformImage>();
            foreach (var entry in (JsonNode.Parse(top.Bytes)!["manifests"] as JsonArray ?? []).Select(n => Descriptor.FromJson(n!)))
            {
                if (entry.Platform is null || !MediaTypes.IsManifest(entry.MediaType))
                {
                    continue; // attestations, SBOM referrers and the like are not platform images
                }

                var (manifest, _) = await source.GetManifestAsync(entry.Digest, cancellationToken).ConfigureAwait(false);
                images.Add(await ReadImageAsync(source, manifest, entry.Platform, cancellationToken).ConfigureAwait(false));
            }

            return new ImageSet(top, images);
        }

        var single = await ReadImageAsync(source, top, null, cancellationToken).ConfigureAwait(false);
        return new ImageSet(top, [single]);
    }

    private static async Task<PlatformImage> ReadImageAsync(IImageSource source, BytesBlob manifest, Platform? platform, CancellationToken cancellationToken)
    {
        var json = JsonNode.Parse(manifest.Bytes)!;
        var configDescriptor = Descriptor.FromJson(json["config"]!);
        var configBlob = await source.GetBlobAsync(configDescriptor, cancellationToken).ConfigureAwait(false);
        var config = await ToBytesAsync(configBlob, cancellationToken).ConfigureAwait(false);
        var configJson = JsonNode.Parse(config.Bytes)!;
        platform ??= new Platform((string?)configJson["os"] ?? "linux", (string?)configJson["architecture"] ?? "amd64");
        var layers = new List<Layer>();
        foreach (var descriptor in (json["layers"] as JsonArray ?? []).Select(n => Descriptor.FromJson(n!)))
        {
            layers.Add(new Layer(descriptor, await source.GetBlobAsync(descriptor, cancellationToken).ConfigureAwait(false)));
        }

        return new PlatformImage(platform, manifest, config, layers);
    }

    public static async Task<BytesBlob> ToBytesAsync(Blob blob, CancellationToken cancellationToken)
    {
        if (blob is BytesBlob bytes)
        {
            return bytes;
        }

        if (blob.Size > 16 << 20)
        {
            throw new InvalidDataException($"document {blob.Digest} is {blob.Size} bytes: too large for a config or manifest");
        }

        using var buffer = new MemoryStream();
        await blob.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var result = new BytesBlob(buffer.ToArray());
        return result.Digest == blob.Digest ? result : throw new InvalidDataException($"{blob.Digest} does not match its content ({result.Digest})");
    }
}
