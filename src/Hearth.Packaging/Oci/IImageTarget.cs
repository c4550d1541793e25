namespace Hearth.Packaging.Oci;

/// <summary>Somewhere images are written: an OCI layout folder, a docker-archive tar, a registry.</summary>
public interface IImageTarget
{
    /// <summary>True when the target already holds this blob, so it need not be written again.</summary>
    Task<bool> HasBlobAsync(string digest, CancellationToken cancellationToken);

    Task PutBlobAsync(Blob blob, CancellationToken cancellationToken);

    /// <summary>Stores a manifest or index by digest, and under <paramref name="tag"/> when given.</summary>
    Task PutManifestAsync(BytesBlob manifest, string mediaType, string? tag, CancellationToken cancellationToken);
}

/// <summary>Somewhere images are read from.</summary>
public interface IImageSource
{
    /// <summary>The manifest or index that <paramref name="reference"/> (a tag or a digest) names, as its exact bytes.</summary>
    Task<(BytesBlob Manifest, string MediaType)> GetManifestAsync(string reference, CancellationToken cancellationToken);

    Task<Blob> GetBlobAsync(Descriptor descriptor, CancellationToken cancellationToken);
}

/// <summary>Writes an image set so that nothing a tag points to is ever incomplete.</summary>
public static class ImageWriter
{
    /// <summary>What a write did, for reports and for the "second push uploads nothing" check.</summary>
    public sealed record Result(string IndexDigest, int BlobsWritten, int BlobsSkipped, long BytesWritten);

    public static async Task<Result> WriteAsync(ImageSet set, IImageTarget target, string? tag, CancellationToken cancellationToken)
    {
        int written = 0, skipped = 0;
        long bytes = 0;
        // Blobs first, then manifests, then the index, tagged last: a push that fails part-way
        // leaves only unreferenced blobs, and the tag keeps pointing at the previous complete image.
        foreach (var blob in set.Blobs())
        {
            if (await target.HasBlobAsync(blob.Digest, cancellationToken).ConfigureAwait(false))
            {
                skipped++;
                continue;
            }

            await target.PutBlobAsync(blob, cancellationToken).ConfigureAwait(false);
            written++;
            bytes += blob.Size;
        }

        foreach (var image in set.Images)
        {
            await target.PutManifestAsync(image.Manifest, MediaTypes.Manifest, null, cancellationToken).ConfigureAwait(false);
        }

        await target.PutManifestAsync(set.Index, MediaTypes.Index, tag, cancellationToken).ConfigureAwait(false);
        return new Result(set.Digest, written, skipped, bytes);
    }
}
