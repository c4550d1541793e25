using System.Formats.Tar;
using System.Text.Json.Nodes;

namespace Hearth.Packaging.Oci;

/// <summary>
/// Writes a <c>docker-archive:</c> tar that <c>docker load</c> and <c>podman load</c> accept: the
/// image's blobs under <c>blobs/sha256/</c> as an OCI layout (newer docker reads that) plus Docker's
/// <c>manifest.json</c> (<c>Config</c>, <c>RepoTags</c>, <c>Layers</c>) for one platform, since a
/// docker archive holds one image. The layout is staged in a folder beside the output and removed.
/// </summary>
public static class DockerArchive
{
    public static async Task WriteAsync(ImageSet set, Platform platform, string file, string? repoTag, CancellationToken cancellationToken)
    {
        var image = set.Images.FirstOrDefault(i => i.Platform == platform)
            ?? throw new ArgumentException($"the image has no {platform} variant for a docker archive");
        var full = Path.GetFullPath(file);
        var staging = full + ".staging-" + Guid.NewGuid().ToString("N");
        try
        {
            var layout = new OciLayout(staging, create: true);
            foreach (var blob in ImageSet.Create([image]).Blobs())
            {
                await layout.PutBlobAsync(blob, cancellationToken).ConfigureAwait(false);
            }

            await layout.PutManifestAsync(image.Manifest, MediaTypes.Manifest, repoTag ?? "latest", cancellationToken).ConfigureAwait(false);
            var manifestJson = new JsonArray(new JsonObject
            {
                ["Config"] = "blobs/sha256/" + Digest.Hex(image.Config.Digest),
                ["RepoTags"] = repoTag is null ? new JsonArray() : new JsonArray(repoTag),
                ["Layers"] = new JsonArray([.. image.Layers.Select(l => (JsonNode)("blobs/sha256/" + Digest.Hex(l.Descriptor.Digest)))]),
            });
            File.WriteAllBytes(Path.Combine(staging, "manifest.json"), CanonicalJson.Serialize(manifestJson));
            var temp = full + ".tmp";
            var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
            await using (output.ConfigureAwait(false))
            {
                var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
                await using (writer.ConfigureAwait(false))
                {
                    foreach (var path in Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                    {
                        var name = Path.GetRelativePath(staging, path).Replace('\\', '/');
                        var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
                        await using (source.ConfigureAwait(false))
                        {
                            var entry = new PaxTarEntry(TarEntryType.RegularFile, name, new Dictionary<string, string> { ["mtime"] = "0" })
                            {
                                ModificationTime = DateTimeOffset.UnixEpoch,
                                Mode = LayerItem.Modes.Regular,
                                DataStream = source,
                            };
                            await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }
}
