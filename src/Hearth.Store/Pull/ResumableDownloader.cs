using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Hearth.Store.Blobs;

namespace Hearth.Store.Pull;

/// <summary>
/// Downloads a URL into a <c>.partial</c> file, continuing an earlier partial download with an
/// HTTP Range request (RFC 9110 §14). A server that ignores Range answers 200 with the whole body:
/// the partial file is then truncated and written from the start. The SHA-256 is computed on the
/// way (the existing prefix is hashed first), so the file is read once.
/// </summary>
internal sealed class ResumableDownloader(HttpClient http, PullOptions options, TimeProvider clock, Action<HttpRequestMessage>? authorize = null)
{
    private const int BufferSize = 1 << 16;

    public async Task<StagedBlob> DownloadAsync(Uri url, string partialPath, long? expectedSize, string? digest,
        IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        FileStream file;
        try
        {
            // FileShare.None: a second pull of the same file waits for nobody and fails clearly
            // instead of interleaving writes into the same .partial.
            file = new FileStream(partialPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, BufferSize);
        }
        catch (IOException ex)
        {
            throw new IOException($"another pull is writing {partialPath}; wait for it to finish", ex);
        }

        try
        {
            return await DownloadIntoAsync(file, url, expectedSize, digest, progress, cancellationToken).ConfigureAwait(false);
        }
        catch when (EmptyFile(partialPath))
        {
            BlobStore.TryDelete(partialPath); // nothing to resume: leave no empty .partial behind
            throw;
        }
    }

    private static bool EmptyFile(string path)
    {
        try
        {
            return new FileInfo(path) is { Exists: true, Length: 0 };
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task<StagedBlob> DownloadIntoAsync(FileStream file, Uri url, long? expectedSize, string? digest,
        IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        await using (file.ConfigureAwait(false))
        {
            var existing = file.Length;
            if (expectedSize is { } size && existing > size)
            {
                existing = 0; // longer than the file can be: not a prefix of it
            }

            using var response = await SendAsync(url, existing, cancellationToken).ConfigureAwait(false);
            long start;
            if (response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange is { From: { } from } && from == existing)
            {
                start = existing;
            }
            else if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && existing > 0 &&
                     response.Content.Headers.ContentRange?.Length == existing)
            {
                start = existing; // the partial file already holds every byte
            }
            else if (response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.PartialContent)
            {
                start = 0; // Range ignored (or nothing to resume): the body is the whole file
            }
            else if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable || response.StatusCode == HttpStatusCode.PartialContent)
            {
                // The partial file does not fit what the server has: start over once, without Range.
                file.SetLength(0);
                return await DownloadFreshAsync(url, file, expectedSize, digest, progress, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                throw new ModelDownloadException(url, response.StatusCode);
            }

            return await WriteAsync(url, response, file, start, expectedSize, digest, progress, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<StagedBlob> DownloadFreshAsync(Uri url, FileStream file, long? expectedSize, string? digest,
        IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(url, 0, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new ModelDownloadException(url, response.StatusCode);
        }

        return await WriteAsync(url, response, file, 0, expectedSize, digest, progress, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> ReadWithIdleTimeoutAsync(Stream body, byte[] buffer, CancellationTokenSource idle, CancellationToken linked, Uri url,
        CancellationToken cancellationToken)
    {
        idle.CancelAfter(options.IdleTimeout);
        try
        {
            return await body.ReadAsync(buffer, linked).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"no data from {url.Host} for {options.IdleTimeout.TotalSeconds:0} s");
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, long from, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (from > 0)
        {
            request.Headers.Range = new RangeHeaderValue(from, null);
        }

        authorize?.Invoke(request);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }

    private async Task<StagedBlob> WriteAsync(Uri url, HttpResponseMessage response, FileStream file, long start, long? expectedSize,
        string? digest, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];

        // Hash the prefix we keep, then drop anything after it.
        file.Position = 0;
        var remaining = start;
        while (remaining > 0)
        {
            var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException($"{file.Name} shrank while resuming");
            }

            hash.AppendData(buffer, 0, read);
            remaining -= read;
        }

        file.SetLength(start);
        file.Position = start;

        long? total = response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable
            ? start
            : response.Content.Headers.ContentLength is { } length ? start + length : expectedSize;
        var status = "pulling " + (digest ?? Path.GetFileName(url.AbsolutePath));
        var completed = start;
        var nextReport = completed;
        progress?.Report(new PullProgress(PullStage.Downloading, status, completed, total, digest));

        if (response.StatusCode != HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            // HttpClient.Timeout stops at the headers (ResponseHeadersRead), so a stalled body would
            // hang for ever: every read gets IdleTimeout, re-armed before each read.
            using var idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, clock);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
            await using (body.ConfigureAwait(false))
            {
                int read;
                while ((read = await ReadWithIdleTimeoutAsync(body, buffer, idle, linked.Token, url, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    hash.AppendData(buffer, 0, read);
                    completed += read;
                    if (completed >= nextReport)
                    {
                        progress?.Report(new PullProgress(PullStage.Downloading, status, completed, total, digest));
                        nextReport = completed + options.ProgressInterval;
                    }
                }
            }

            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        if (total is { } expected && completed != expected)
        {
            // Keep the partial file: the next pull resumes from here.
            throw new IOException($"download of {url} ended after {completed} of {expected} bytes; run the pull again to resume");
        }

        progress?.Report(new PullProgress(PullStage.Downloading, status, completed, total ?? completed, digest));
        return new StagedBlob(file.Name, Convert.ToHexStringLower(hash.GetHashAndReset()), completed);
    }
}
