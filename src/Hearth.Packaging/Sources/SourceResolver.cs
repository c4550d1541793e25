using Hearth.Gguf;
using Hearth.Packaging.Spec;
using Hearth.Store;

namespace Hearth.Packaging.Sources;

/// <summary>
/// Brings each model source to a verified local file. Remote sources (https, hf.co@commit) go
/// through Hearth.Store's puller: the store's resumable downloader writes into its blob cache
/// (<c>models/partial</c> then <c>models/blobs/sha256-…</c>), checks the sha256 and the GGUF header
/// and deletes a mismatch; a blob already in the cache is not downloaded again. Local files are
/// used in place after a streamed hash. <c>oci://</c> sources (ModelPack artifacts, Ollama models)
/// are fetched by <see cref="OciModelSource"/> into the same blob cache.
/// </summary>
public sealed class SourceResolver(ModelStore store, HttpClient http, PullOptions? pullOptions = null)
{
    private readonly PullOptions options = pullOptions ?? new PullOptions();

    public async Task<ResolvedModel> ResolveAsync(ModelSpec model, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        switch (model.Source)
        {
            case LocalSource local:
                return await ResolveLocalAsync(model, local).ConfigureAwait(false);
            case UrlSource url:
                return await PullAsync(model, url.Url, progress, cancellationToken).ConfigureAwait(false);
            case HubSource hub:
                var file = string.Join('/', hub.File.Split('/').Select(Uri.EscapeDataString));
                var resolve = new Uri(options.HuggingFaceEndpoint,
                    $"{Uri.EscapeDataString(hub.Owner)}/{Uri.EscapeDataString(hub.Repository)}/resolve/{hub.Commit}/{file}");
                return await PullAsync(model, resolve, progress, cancellationToken).ConfigureAwait(false);
            case OciSource oci:
                var path = await new OciModelSource(store, http).FetchAsync(model, oci, cancellationToken).ConfigureAwait(false);
                CheckGguf(path, oci.Display);
                return new ResolvedModel(model, path, new FileInfo(path).Length);
            default:
                throw new NotSupportedException($"{model.Source.Display}: unsupported model source");
        }
    }

    private static Task<ResolvedModel> ResolveLocalAsync(ModelSpec model, LocalSource local)
    {
        if (!File.Exists(local.FullPath))
        {
            throw new FileNotFoundException($"model file not found: {local.FullPath}", local.FullPath);
        }

        // The sha256 is checked while the layer is streamed (its digest pass, and again on every
        // write), so a local model is not read an extra time just for this check.
        var size = new FileInfo(local.FullPath).Length;
        CheckGguf(local.FullPath, local.FullPath);
        return Task.FromResult(new ResolvedModel(model, local.FullPath, size));
    }

    private async Task<ResolvedModel> PullAsync(ModelSpec model, Uri url, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        var puller = new ModelPuller(store, http, options);
        ModelEntry entry;
        try
        {
            entry = await puller.PullAsync(url.ToString(), $"pack/{model.Name}:{model.Sha256[..12]}", model.Sha256, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (ChecksumMismatchException ex)
        {
            throw new ModelChecksumException(url.ToString(), ex.Expected, ex.Actual);
        }
        catch (NotAGgufException ex)
        {
            throw new NotAGgufSourceException(url.ToString(), ex.InnerException ?? ex);
        }

        var path = store.GetBlobPath(entry.Sha256 ?? model.Sha256);
        return new ResolvedModel(model, path, new FileInfo(path).Length);
    }

    private static void CheckGguf(string path, string source)
    {
        try
        {
            using var file = GgufFile.Open(path);
        }
        catch (GgufException ex)
        {
            throw new NotAGgufSourceException(source, ex);
        }
    }
}
