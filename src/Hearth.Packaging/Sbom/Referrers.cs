using System.Text.Json.Nodes;
using Hearth.Packaging.Oci;

namespace Hearth.Packaging.Sbom;

/// <summary>
/// Attaches a document to an image as an OCI 1.1 referrer: an artifact manifest
/// (<c>artifactType</c>, the empty config, the document as its one layer, <c>subject</c> = the
/// image index). Registries without the referrers API find it through the fallback tag
/// <c>sha256-&lt;index hex&gt;</c>, an index listing the referrers, which is written too.
/// </summary>
public static class Referrers
{
    private static readonly BytesBlob EmptyConfig = new("{}"u8.ToArray());

    public static string FallbackTag(string subjectDigest) => "sha256-" + Digest.Hex(subjectDigest);

    /// <summary>Writes the artifact; returns its manifest digest.</summary>
    public static async Task<string> AttachAsync(IImageTarget target, Descriptor subject, BytesBlob document, string artifactType, DateTimeOffset epoch,
        CancellationToken cancellationToken)
    {
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.Manifest,
            ["artifactType"] = artifactType,
            ["config"] = EmptyConfig.Describe(MediaTypes.Empty).ToJson(),
            ["layers"] = new JsonArray(document.Describe(artifactType).ToJson()),
            ["subject"] = subject.ToJson(),
            ["annotations"] = new JsonObject { ["org.opencontainers.image.created"] = epoch.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) },
        };
        var manifestBlob = new BytesBlob(CanonicalJson.Serialize(manifest));
        foreach (var blob in new[] { EmptyConfig, document })
        {
            if (!await target.HasBlobAsync(blob.Digest, cancellationToken).ConfigureAwait(false))
            {
                await target.PutBlobAsync(blob, cancellationToken).ConfigureAwait(false);
            }
        }

        await target.PutManifestAsync(manifestBlob, MediaTypes.Manifest, null, cancellationToken).ConfigureAwait(false);
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.Index,
            ["manifests"] = new JsonArray((manifestBlob.Describe(MediaTypes.Manifest) with { ArtifactType = artifactType }).ToJson()),
        };
        await target.PutManifestAsync(new BytesBlob(CanonicalJson.Serialize(index)), MediaTypes.Index, FallbackTag(subject.Digest), cancellationToken).ConfigureAwait(false);
        return manifestBlob.Digest;
    }

    /// <summary>The referrer documents of <paramref name="subject"/> with <paramref name="artifactType"/>, found through the fallback tag.</summary>
    public static async Task<IReadOnlyList<BytesBlob>> FindAsync(IImageSource source, string subject, string artifactType, CancellationToken cancellationToken)
    {
        BytesBlob index;
        try
        {
            (index, _) = await source.GetManifestAsync(FallbackTag(subject), cancellationToken).ConfigureAwait(false);
        }
        catch (KeyNotFoundException)
        {
            return [];
        }

        var result = new List<BytesBlob>();
        foreach (var entry in (JsonNode.Parse(index.Bytes)!["manifests"] as JsonArray ?? []).Select(n => Descriptor.FromJson(n!)).Where(d => d.ArtifactType == artifactType))
        {
            var (manifest, _) = await source.GetManifestAsync(entry.Digest, cancellationToken).ConfigureAwait(false);
            var json = JsonNode.Parse(manifest.Bytes)!;
            if ((string?)json["subject"]?["digest"] != subject)
            {
                continue;
            }

            foreach (var layer in (json["layers"] as JsonArray ?? []).Select(n => Descriptor.FromJson(n!)))
            {
                result.Add(await ImageReader.ToBytesAsync(await source.GetBlobAsync(layer, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false));
            }
        }

        return result;
    }
}
