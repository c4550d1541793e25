using System.Security.Cryptography;
using System.Text;
using Hearth.Gguf;
using Hearth.Store.Blobs;
using Hearth.Store.Pull;

namespace Hearth.Store;

/// <summary>
/// Downloads a GGUF model into a <see cref="ModelStore"/>: resolves <c>hf.co/owner/repo[:QUANT]</c>
/// through the hub API or takes a direct URL, downloads with resume, verifies the SHA-256 when one
/// is known, checks the file is GGUF and registers it. No automatic retries: an interrupted pull
/// keeps its <c>.partial</c> file and the next pull of the same source continues from there.
/// </summary>
public sealed class ModelPuller
{
    private readonly ModelStore store;
    private readonly HttpClient http;
    private readonly PullOptions options;
    private readonly HuggingFaceResolver hub;

    public ModelPuller(ModelStore store, HttpClient http, PullOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(http);
        this.store = store;
        this.http = http;
        this.options = options ?? new PullOptions();
        hub = new HuggingFaceResolver(http, this.options);
    }

    /// <summary>
    /// Pulls <paramref name="reference"/> (<c>https://…/file.gguf[#sha256=hex]</c> or
    /// <c>hf.co/owner/repo[:QUANT]</c>) and registers it as <paramref name="name"/>, by default the
    /// file name (URLs) or <c>hf.co/owner/repo:quant</c> (hub; tag "latest" when no QUANT was given).
    /// <paramref name="sha256"/> adds an expected digest. Throws <see cref="ChecksumMismatchException"/>,
    /// <see cref="NotAGgufException"/>, <see cref="ModelDownloadException"/> (HTTP errors),
    /// <see cref="GgufFileSelectionException"/> or <see cref="HttpRequestException"/> (interrupted; resumable).
    /// </summary>
    public async Task<ModelEntry> PullAsync(string reference, string? name = null, string? sha256 = null,
        IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var source = PullSource.Parse(reference);
        var expected = sha256 is null ? null : Sha256Text.Normalize(sha256, "--sha256");
        ModelName modelName;
        ResolvedFile file;
        progress?.Report(new PullProgress(PullStage.Resolving, "pulling manifest"));
        switch (source)
        {
            case HubSource hubSource:
                modelName = ModelName.Parse(name ?? $"hf.co/{hubSource.RepoId}:{hubSource.Quant ?? ModelName.DefaultTag}");
                file = await hub.ResolveAsync(hubSource, cancellationToken).ConfigureAwait(false);
                break;
            case DirectSource direct:
                var fileName = Uri.UnescapeDataString(Path.GetFileName(direct.Url.AbsolutePath));
                modelName = ModelName.Parse(name ?? ModelName.Sanitize(Path.GetFileNameWithoutExtension(fileName)));
                file = new ResolvedFile(direct.Url, direct.Sha256, null, fileName);
                break;
            default:
                throw new NotSupportedException(reference);
        }

        expected = Agree(expected, file.Sha256, reference);
        var sourceText = file.Url.ToString();
        var digest = expected is null ? null : "sha256:" + expected;

        // Already have these bytes (a re-pull): register without downloading.
        if (expected is not null && File.Exists(store.GetBlobPath(expected)))
        {
            progress?.Report(new PullProgress(PullStage.Registering, "writing manifest", Digest: digest));
            var existing = store.RegisterExistingBlob(modelName, expected, sourceText);
            progress?.Report(new PullProgress(PullStage.Success, "success", existing.Size, existing.Size, digest));
            return existing;
        }

        var partial = Path.Combine(store.PartialDirectory, PartialName(file.Url, expected));
        var downloader = new ResumableDownloader(http, options, store.Options.Clock, hub.Authorize);
        StagedBlob staged;
        try
        {
            staged = await downloader.DownloadAsync(file.Url, partial, file.Size, digest, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HttpRequestException($"download of {file.Url} was interrupted ({ex.Message}); run the pull again to resume", ex);
        }

        progress?.Report(new PullProgress(PullStage.Verifying, "verifying sha256 digest", staged.Size, staged.Size, "sha256:" + staged.Sha256));
        if (expected is not null && expected != staged.Sha256)
        {
            BlobStore.TryDelete(partial);
            throw new ChecksumMismatchException(sourceText, expected, staged.Sha256);
        }

        progress?.Report(new PullProgress(PullStage.Registering, "writing manifest", Digest: "sha256:" + staged.Sha256));
        ModelEntry entry;
        try
        {
            entry = store.RegisterStaged(modelName, staged, sourceText, expected);
        }
        catch (GgufException ex)
        {
            BlobStore.TryDelete(partial); // RegisterStaged removed it already; be sure
            throw new NotAGgufException(sourceText, ex);
        }

        progress?.Report(new PullProgress(PullStage.Success, "success", entry.Size, entry.Size, "sha256:" + entry.Sha256));
        return entry;
    }

    private static string? Agree(string? given, string? known, string reference)
    {
        if (given is not null && known is not null && given != known)
        {
            throw new ArgumentException($"--sha256 {given} contradicts the sha256 {known} known for {reference}");
        }

        return given ?? known;
    }

    /// <summary>The partial file's name is stable across runs so that a later pull finds it and resumes.</summary>
    private static string PartialName(Uri url, string? sha256) =>
        sha256 is not null
            ? "sha256-" + sha256 + ".partial"
            : "url-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url.AbsoluteUri)))[..32] + ".partial";
}
