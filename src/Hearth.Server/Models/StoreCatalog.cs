using Hearth.Store;

namespace Hearth.Server.Models;

/// <summary>
/// The model store (Hearth.Store) as the server's catalog. Only registered entries are served by name:
/// a request can never make the server open an arbitrary file path (paths come only from serve --model).
/// </summary>
internal sealed class StoreCatalog : IModelCatalog, IDisposable
{
    private readonly ModelStore store;
    private readonly Lazy<HttpClient> http = new(() => new HttpClient { Timeout = Timeout.InfiniteTimeSpan });

    public StoreCatalog(ModelStore store)
    {
        this.store = store;
    }

    public static CatalogEntry ToEntry(ModelEntry e) =>
        new(e.FullName, e.Path, e.Size, e.Added, e.Sha256 is null ? null : "sha256:" + e.Sha256);

    public CatalogEntry? Resolve(string name)
    {
        try
        {
            return store.TryResolve(name) is { IsRegistered: true } e ? ToEntry(e) : null;
        }
        catch (ArgumentException)
        {
            return null; // not a valid model name: simply unknown
        }
    }

    public IReadOnlyList<CatalogEntry> List() => store.List().Where(e => e.IsRegistered).Select(ToEntry).ToList();

    public async Task<CatalogEntry> PullAsync(string reference, IProgress<PullStatus> progress, CancellationToken cancellation)
    {
        var puller = new ModelPuller(store, http.Value);
        try
        {
            var entry = await puller.PullAsync(
                reference,
                progress: new Progress(progress),
                cancellationToken: cancellation).ConfigureAwait(false);
            return ToEntry(entry);
        }
        catch (Exception ex) when (ex is ChecksumMismatchException or NotAGgufException or ModelDownloadException
            or GgufFileSelectionException or ArgumentException or HttpRequestException or InvalidDataException)
        {
            throw new PullFailedException(ex.Message, ex);
        }
    }

    public bool Delete(string name)
    {
        try
        {
            return store.Remove(name);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public CatalogEntry? Copy(string source, string destination)
    {
        try
        {
            return ToEntry(store.Copy(source, destination));
        }
        catch (ModelNotFoundException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        if (http.IsValueCreated)
        {
            http.Value.Dispose();
        }
    }

    private sealed class Progress(IProgress<PullStatus> target) : IProgress<PullProgress>
    {
        public void Report(PullProgress value) => target.Report(new PullStatus(value.Status, value.Digest, value.Total, value.Total is null ? null : value.Completed));
    }
}
