using System.Text.Json.Nodes;
using Hearth.Packaging.Oci;
using Hearth.Packaging.Registry;
using Hearth.Packaging.Spec;
using Hearth.Store;

namespace Hearth.Packaging.Sources;

/// <summary>
/// Fetches a model file from a registry: a CNCF ModelPack artifact (its raw weight layer) or an
/// Ollama registry model (its <c>application/vnd.ollama.image.model</c> layer). Both store the GGUF
/// file as one uncompressed blob, so the layer digest is the file's sha256: a layer whose digest is
/// not the spec's fails before a byte is downloaded. The blob streams into the store's
/// <c>models/partial</c> while being hashed and moves to <c>models/blobs/sha256-…</c> only when the
/// hash is the spec's; anything else deletes the partial file.
/// </summary>
internal sealed class OciModelSource(ModelStore store, HttpClient http)
{
    private static readonly string[] ModelLayerTypes = [MediaTypes.ModelPackWeightRaw, MediaTypes.OllamaModel];

    public async Task<string> FetchAsync(ModelSpec model, OciSource source, CancellationToken cancellationToken)
    {
        var reference = ImageReference.Parse(source.Reference);
        var expected = Digest.FromHex(model.Sha256);
        var target = store.GetBlobPath(model.Sha256.ToLowerInvariant());
        if (File.Exists(target))
        {
            return target; // in the cache already (the cache only ever holds files whose name is their hash)
        }

        var client = new RegistryClient(http, reference.Registry, RegistryCredentials.FromEnvironment(reference.Registry));
        var models = await ModelLayersAsync(client, reference, source, cancellationToken).ConfigureAwait(false);
        var layer = models.FirstOrDefault(l => l.Digest == expected) ?? (models.Count == 1
            ? throw new ModelChecksumException(source.Display, model.Sha256, Digest.Hex(models[0].Digest))
            : throw new ModelChecksumException(source.Display, model.Sha256, "none of its " + models.Count + " model layers"));

        Directory.CreateDirectory(store.PartialDirectory);
        var partial = Path.Combine(store.PartialDirectory, $"oci-{model.Sha256}.partial");
        try
        {
            var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                var hashing = new HashingStream(file);
                await using (hashing.ConfigureAwait(false))
                {
                    // GetBlobAsync checks the registry's digest; this hash checks the spec's, whatever the registry says.
                    await client.GetBlobAsync(reference.Repository, layer.Digest, hashing, cancellationToken).ConfigureAwait(false);
                    if (hashing.Digest() != expected)
                    {
                        throw new ModelChecksumException(source.Display, model.Sha256, Digest.Hex(hashing.Digest()));
                    }
                }

                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(partial, target, overwrite: true);
            return target;
        }
        catch (IOException ex) when (BlobCacheFullException.IsDiskFull(ex))
        {
            File.Delete(partial);
            throw new BlobCacheFullException(store.PartialDirectory, ex);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    /// <summary>The manifest's model layers; an index is followed to its first manifest (model artifacts have one).</summary>
    private static async Task<IReadOnlyList<Descriptor>> ModelLayersAsync(RegistryClient client, ImageReference reference, OciSource source, CancellationToken cancellationToken)
    {
        var (manifest, mediaType) = await client.GetManifestAsync(reference.Repository, reference.ManifestReference, cancellationToken).ConfigureAwait(false);
        if (MediaTypes.IsIndex(mediaType))
        {
            var first = (JsonNode.Parse(manifest.Bytes)!["manifests"] as JsonArray ?? []).Select(n => Descriptor.FromJson(n!)).FirstOrDefault(d => MediaTypes.IsManifest(d.MediaType))
                ?? throw new InvalidDataException($"{source.Display} is an index without manifests");
            (manifest, _) = await client.GetManifestAsync(reference.Repository, first.Digest, cancellationToken).ConfigureAwait(false);
        }

        var layers = (JsonNode.Parse(manifest.Bytes)!["layers"] as JsonArray ?? []).Select(n => Descriptor.FromJson(n!)).ToList();
        var models = layers.Where(l => ModelLayerTypes.Contains(l.MediaType)).ToList();
        return models.Count > 0
            ? models
            : throw new NotSupportedException(
                $"{source.Display} has no model layer ({string.Join(" or ", ModelLayerTypes)}); its layers: {string.Join(", ", layers.Select(l => l.MediaType))}");
    }
}
