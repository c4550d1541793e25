using System.Text.Json.Nodes;

namespace Hearth.Packaging.Oci;

/// <summary>
/// An OCI image layout folder (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/sha256/…</c>), as
/// <c>oci:DIR[:TAG]</c> names it for skopeo and umoci. Blobs are written under a temporary name,
/// checked against their digest and renamed into place, so a blob file is always complete.
/// </summary>
public sealed class OciLayout : IImageTarget, IImageSource
{
    private const string RefName = "org.opencontainers.image.ref.name";

    public OciLayout(string directory, bool create)
    {
        Directory = Path.GetFullPath(directory);
        if (create)
        {
            System.IO.Directory.CreateDirectory(Path.Combine(Directory, "blobs", "sha256"));
            var layoutFile = Path.Combine(Directory, "oci-layout");
            if (!File.Exists(layoutFile))
            {
                File.WriteAllText(layoutFile, "{\"imageLayoutVersion\":\"1.0.0\"}");
            }

            if (!File.Exists(IndexPath))
            {
                SaveIndex([]);
            }
        }
        else if (!File.Exists(Path.Combine(Directory, "oci-layout")))
        {
            throw new DirectoryNotFoundException($"{Directory} is not an OCI image layout (no oci-layout file)");
        }
    }

    public string Directory { get; }

    private string IndexPath => Path.Combine(Directory, "index.json");

    public string BlobPath(string digest) => Path.Combine(Directory, "blobs", "sha256", Digest.Hex(digest));

    public Task<bool> HasBlobAsync(string digest, CancellationToken cancellationToken) => Task.FromResult(File.Exists(BlobPath(digest)));

    public async Task PutBlobAsync(Blob blob, CancellationToken cancellationToken)
    {
        var target = BlobPath(blob.Digest);
        var temp = target + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
            string written;
            await using (file.ConfigureAwait(false))
            {
                using var hashing = new HashingStream(file);
                await blob.CopyToAsync(hashing, cancellationToken).ConfigureAwait(false);
                written = hashing.Digest();
            }

            if (written != blob.Digest)
            {
                throw new InvalidDataException($"blob content does not match its digest: expected {blob.Digest}, got {written}");
            }

            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public async Task PutManifestAsync(BytesBlob manifest, string mediaType, string? tag, CancellationToken cancellationToken)
    {
        if (!await HasBlobAsync(manifest.Digest, cancellationToken).ConfigureAwait(false))
        {
            await PutBlobAsync(manifest, cancellationToken).ConfigureAwait(false);
        }

        if (tag is null)
        {
            return;
        }

        var entries = LoadIndex().Where(d => d.Annotations?.GetValueOrDefault(RefName) != tag).ToList();
        entries.Add(manifest.Describe(mediaType) with { Annotations = new Dictionary<string, string> { [RefName] = tag } });
        SaveIndex(entries);
    }

    public Task<(BytesBlob Manifest, string MediaType)> GetManifestAsync(string reference, CancellationToken cancellationToken)
    {
        var entries = LoadIndex();
        var entry = Digest.IsValid(reference)
            ? entries.FirstOrDefault(d => d.Digest == reference) ?? new Descriptor(MediaTypes.Manifest, reference, 0)
            : entries.FirstOrDefault(d => d.Annotations?.GetValueOrDefault(RefName) == reference)
              ?? throw new KeyNotFoundException($"no image tagged '{reference}' in {Directory}");
        var bytes = File.ReadAllBytes(BlobPath(entry.Digest));
        var blob = new BytesBlob(bytes);
        if (blob.Digest != entry.Digest)
        {
            throw new InvalidDataException($"{BlobPath(entry.Digest)} does not match its digest");
        }

        var mediaType = (string?)JsonNode.Parse(bytes)?["mediaType"] ?? entry.MediaType;
        return Task.FromResult((blob, mediaType));
    }

    public Task<Blob> GetBlobAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        var path = BlobPath(descriptor.Digest);
        return File.Exists(path)
            ? Task.FromResult<Blob>(new FileBlob(path, descriptor.Digest, new FileInfo(path).Length))
            : throw new FileNotFoundException($"blob {descriptor.Digest} missing from {Directory}", path);
    }

    /// <summary>The tags this layout holds.</summary>
    public IReadOnlyList<string> Tags() => [.. LoadIndex().Select(d => d.Annotations?.GetValueOrDefault(RefName)).OfType<string>()];

    private List<Descriptor> LoadIndex()
    {
        var json = JsonNode.Parse(File.ReadAllBytes(IndexPath));
        return [.. (json?["manifests"] as JsonArray ?? []).Select(n => Descriptor.FromJson(n!))];
    }

    private void SaveIndex(IEnumerable<Descriptor> entries)
    {
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.Index,
            ["manifests"] = new JsonArray([.. entries.OrderBy(d => d.Annotations?.GetValueOrDefault(RefName), StringComparer.Ordinal).Select(d => (JsonNode)d.ToJson())]),
        };
        var temp = IndexPath + ".tmp";
        File.WriteAllBytes(temp, CanonicalJson.Serialize(index));
        File.Move(temp, IndexPath, overwrite: true);
    }
}
