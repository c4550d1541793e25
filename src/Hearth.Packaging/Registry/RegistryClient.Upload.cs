using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Hearth.Packaging.Oci;

namespace Hearth.Packaging.Registry;

public sealed partial class RegistryClient
{
    /// <summary>
    /// Uploads a blob in chunks (<c>POST</c> a session, <c>PATCH</c> each chunk with its
    /// <c>Content-Range</c>, <c>PUT ?digest=</c> to finish). The session URL is saved after every
    /// chunk; when a push is interrupted, the next one asks the registry how much it has
    /// (<c>GET</c> on the session) and sends only the rest.
    /// </summary>
    public async Task UploadBlobAsync(string repository, Blob blob, CancellationToken cancellationToken)
    {
        var statePath = options.UploadStateDirectory is null ? null : Path.Combine(options.UploadStateDirectory, StateName(repository, blob.Digest));
        var (location, offset) = await ResumeAsync(statePath, cancellationToken).ConfigureAwait(false);
        if (location is null)
        {
            using var start = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, Url($"v2/{repository}/blobs/uploads/")), cancellationToken).ConfigureAwait(false);
            await EnsureAsync(start, $"upload start for {blob.Digest}", cancellationToken).ConfigureAwait(false);
            location = Resolve(start.Headers.Location ?? throw new RegistryException("upload start without a Location", start.StatusCode));
            offset = 0;
        }

        var chunker = new ChunkUploadStream(this, location, offset, blob, statePath);
        await using (chunker.ConfigureAwait(false))
        {
            await blob.CopyToAsync(chunker, cancellationToken).ConfigureAwait(false);
            await chunker.FlushChunkAsync(cancellationToken).ConfigureAwait(false);
            location = chunker.Location;
        }

        var separator = location.Query.Length > 0 ? "&" : "?";
        using var finish = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, new Uri(location + separator + "digest=" + Uri.EscapeDataString(blob.Digest))),
            cancellationToken).ConfigureAwait(false);
        await EnsureAsync(finish, $"upload of {blob.Digest}", cancellationToken).ConfigureAwait(false);
        if (statePath is not null)
        {
            File.Delete(statePath);
        }
    }

    /// <summary>Sends one chunk; returns the session's next location.</summary>
    internal async Task<Uri> PatchAsync(Uri location, ReadOnlyMemory<byte> chunk, long offset, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ReadOnlyMemoryContent(chunk) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            request.Content.Headers.TryAddWithoutValidation("Content-Range", $"{offset}-{offset + chunk.Length - 1}"); // the distribution spec's form, not RFC 9110's
            return request;
        }, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, "chunk upload", cancellationToken).ConfigureAwait(false);
        BytesUploaded += chunk.Length;
        return Resolve(response.Headers.Location ?? location);
    }

    internal void ReportChunk(string digest, long done, long total) => options.ChunkUploaded?.Invoke(digest, done, total);

    /// <summary>A saved session the registry still knows, and how many bytes it holds; (null, 0) when there is none.</summary>
    private async Task<(Uri? Location, long Offset)> ResumeAsync(string? statePath, CancellationToken cancellationToken)
    {
        if (statePath is null || !File.Exists(statePath) || !Uri.TryCreate(await File.ReadAllTextAsync(statePath, cancellationToken).ConfigureAwait(false), UriKind.Absolute, out var saved))
        {
            return (null, 0);
        }

        try
        {
            using var status = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, saved), cancellationToken).ConfigureAwait(false);
            if (status.StatusCode == HttpStatusCode.NoContent && status.Headers.TryGetValues("Range", out var ranges) &&
                ranges.FirstOrDefault() is { } range && range.Split('-') is [_, var end] &&
                long.TryParse(end, NumberStyles.None, CultureInfo.InvariantCulture, out var last))
            {
                return (Resolve(status.Headers.Location ?? saved), last + 1);
            }
        }
        catch (RegistryException)
        {
            // the registry forgot the session (restarted without a shared secret, or expired): start over
        }

        File.Delete(statePath);
        return (null, 0);
    }

    private static string StateName(string repository, string digest) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(repository)))[..16] + "-" + Digest.Hex(digest);

    /// <summary>
    /// Collects what a blob writes into chunks of <see cref="RegistryOptions.ChunkSize"/> and PATCHes
    /// each one; skips the first <c>offset</c> bytes the registry already has from an earlier run.
    /// </summary>
    private sealed class ChunkUploadStream(RegistryClient client, Uri location, long offset, Blob blob, string? statePath) : Stream
    {
        private readonly byte[] buffer = new byte[Math.Min(client.options.ChunkSize, Math.Max(blob.Size - offset, 1))];
        private int filled;
        private long skip = offset;
        private long sent = offset;

        public Uri Location { get; private set; } = location;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        {
            if (skip > 0)
            {
                var dropped = (int)Math.Min(skip, data.Length);
                skip -= dropped;
                data = data[dropped..];
            }

            while (data.Length > 0)
            {
                var take = Math.Min(buffer.Length - filled, data.Length);
                data[..take].CopyTo(buffer.AsMemory(filled));
                filled += take;
                data = data[take..];
                if (filled == buffer.Length)
                {
                    await FlushChunkAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }

        public override Task WriteAsync(byte[] data, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(data.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] data, int offset, int count) => WriteAsync(data, offset, count).GetAwaiter().GetResult();

        public async Task FlushChunkAsync(CancellationToken cancellationToken)
        {
            if (filled == 0)
            {
                return;
            }

            Location = await client.PatchAsync(Location, buffer.AsMemory(0, filled), sent, cancellationToken).ConfigureAwait(false);
            sent += filled;
            filled = 0;
            if (statePath is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(statePath)!);
                await File.WriteAllTextAsync(statePath, Location.ToString(), cancellationToken).ConfigureAwait(false);
            }

            client.ReportChunk(blob.Digest, sent, blob.Size);
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] data, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
