namespace Hearth.Packaging.Oci;

/// <summary>
/// Content with a known digest and size that can be written out as often as needed. Large blobs
/// (layers) stream from disk; only JSON documents are held in memory.
/// </summary>
public abstract class Blob
{
    public abstract string Digest { get; }

    public abstract long Size { get; }

    /// <summary>Writes the content to <paramref name="destination"/>; a caller that hashes it gets <see cref="Digest"/>.</summary>
    public abstract Task CopyToAsync(Stream destination, CancellationToken cancellationToken);

    public Descriptor Describe(string mediaType) => new(mediaType, Digest, Size);
}

/// <summary>A small document (config, manifest, index) held as the exact bytes that were hashed.</summary>
public sealed class BytesBlob(byte[] bytes) : Blob
{
    public byte[] Bytes { get; } = bytes;

    public override string Digest { get; } = Oci.Digest.Of(bytes);

    public override long Size => Bytes.LongLength;

    public override Task CopyToAsync(Stream destination, CancellationToken cancellationToken) =>
        destination.WriteAsync(Bytes, cancellationToken).AsTask();
}

/// <summary>A blob already stored as a file (an OCI layout's <c>blobs/sha256/…</c>, the blob cache).</summary>
public sealed class FileBlob(string path, string digest, long size) : Blob
{
    public string Path { get; } = path;

    public override string Digest { get; } = digest;

    public override long Size { get; } = size;

    public override async Task CopyToAsync(Stream destination, CancellationToken cancellationToken)
    {
        var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            await stream.CopyToAsync(destination, 1 << 20, cancellationToken).ConfigureAwait(false);
        }
    }
}
