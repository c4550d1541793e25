using System.Text.Json.Nodes;
using Hearth.Packaging.Oci;

namespace Hearth.Packaging.Sbom;

/// <summary>A target that may index referrers itself: a registry with the OCI 1.1 referrers API.</summary>
public interface IReferrersTarget
{
    /// <summary>Stores a manifest that has a <c>subject</c> (by digest, untagged); true when the target answered that it indexed
    /// it as a referrer of <paramref name="subjectDigest"/> (the <c>OCI-Subject</c> header), so no fallback tag is needed.</summary>
    Task<bool> PutReferrerAsync(BytesBlob manifest, string mediaType, string subjectDigest, CancellationToken cancellationToken);
}

/// <summary>A source that may list referrers itself (<c>GET /v2/&lt;name&gt;/referrers/&lt;digest&gt;</c>).</summary>
public interface IReferrersSource
{
    /// <summary>The referrers of <paramref name="subjectDigest"/> as an image index; null when the source has no referrers API.</summary>
    Task<JsonObject?> GetReferrersAsync(string subjectDigest, string? artifactType, CancellationToken cancellationToken);
}

/// <summary>
/// Attaches a document to an image as an OCI 1.1 referrer: an artifact manifest
/// (<c>artifactType</c>, the empty config, the document as its one layer, <c>subject</c> = the
/// image index). A registry with the referrers API says so with <c>OCI-Subject</c> when the manifest
/// is pushed, and lists it at <c>/v2/&lt;name&gt;/referrers/&lt;digest&gt;</c>; for the others (and for OCI
/// layouts) the referrers tag schema is used: the tag <c>sha256-&lt;subject hex&gt;</c> names an index of the
/// subject's referrers, read, extended and written again.
/// </summary>
public static class Referrers
{
    private static readonly BytesBlob EmptyConfig = new("{}"u8.ToArray());

    public static string FallbackTag(string subjectDigest) => "sha256-" + Digest.Hex(subjectDigest);

    /// <summary>Writes the artifact; returns its manifest digest and whether the fallback tag was written.</summary>
    public static async Task<(string Digest, bool UsedFallbackTag)> AttachAsync(IImageTarget target, Descriptor subject, BytesBlob document, string artifactType,
        DateTimeOffset epoch, CancellationToken cancellationToken)
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

        if (target is IReferrersTarget referrers)
        {
            if (await referrers.PutReferrerAsync(manifestBlob, MediaTypes.Manifest, subject.Digest, cancellationToken).ConfigureAwait(false))
            {
                return (manifestBlob.Digest, false); // the registry lists it at its referrers API: no tag needed
            }
        }
        else
        {
            await target.PutManifestAsync(manifestBlob, MediaTypes.Manifest, null, cancellationToken).ConfigureAwait(false);
        }

        // Referrers tag schema: keep what the tag lists already (other artifacts of the same subject), add this one.
        var entries = new JsonArray();
        if (target is IImageSource existing)
        {
            foreach (var entry in await FallbackEntriesAsync(existing, subject.Digest, cancellationToken).ConfigureAwait(false))
            {
                if ((string?)entry["digest"] != manifestBlob.Digest)
                {
                    entries.Add(entry.DeepClone());
                }
            }
        }

        entries.Add((manifestBlob.Describe(MediaTypes.Manifest) with { ArtifactType = artifactType }).ToJson());
        var index = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = MediaTypes.Index, ["manifests"] = entries };
        await target.PutManifestAsync(new BytesBlob(CanonicalJson.Serialize(index)), MediaTypes.Index, FallbackTag(subject.Digest), cancellationToken).ConfigureAwait(false);
        return (manifestBlob.Digest, true);
    }

    /// <summary>
    /// The referrer documents of <paramref name="subject"/> with <paramref name="artifactType"/>: through the referrers API where the
    /// source has one, else through the fallback tag. <c>Via</c> says which, for reports.
    /// </summary>
    public static async Task<(IReadOnlyList<BytesBlob> Documents, string Via)> FindAsync(IImageSource source, string subject, string artifactType,
        CancellationToken cancellationToken)
    {
        IEnumerable<JsonNode> entries;
        string via;
        if (source is IReferrersSource api && await api.GetReferrersAsync(subject, artifactType, cancellationToken).ConfigureAwait(false) is { } listed)
        {
            entries = (listed["manifests"] as JsonArray ?? []).OfType<JsonNode>();
            via = "the referrers API";
        }
        else
        {
            entries = await FallbackEntriesAsync(source, subject, cancellationToken).ConfigureAwait(false);
            via = "tag " + FallbackTag(subject);
        }

        var result = new List<BytesBlob>();
        foreach (var entry in entries.Select(Descriptor.FromJson).Where(d => d.ArtifactType == artifactType)) // filtering by the registry is optional
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

        return (result, via);
    }

    private static async Task<IReadOnlyList<JsonNode>> FallbackEntriesAsync(IImageSource source, string subject, CancellationToken cancellationToken)
    {
        try
        {
            var (index, _) = await source.GetManifestAsync(FallbackTag(subject), cancellationToken).ConfigureAwait(false);
            return [.. (JsonNode.Parse(index.Bytes)?["manifests"] as JsonArray ?? []).OfType<JsonNode>()];
        }
        catch (KeyNotFoundException)
        {
            return [];
        }
    }
}
