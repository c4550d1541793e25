namespace Hearth.Server.Models;

/// <summary>
/// The model store as the server uses it (implemented over Hearth.Store by <see cref="StoreCatalog"/>):
/// resolve a name to a file, list, pull with progress, delete, copy.
/// </summary>
internal interface IModelCatalog
{
    CatalogEntry? Resolve(string name);

    IReadOnlyList<CatalogEntry> List();

    Task<CatalogEntry> PullAsync(string reference, IProgress<PullStatus> progress, CancellationToken cancellation);

    bool Delete(string name);

    /// <summary>Registers <paramref name="source"/> under <paramref name="destination"/> too (same file); null when no
    /// model has the source name. Throws ArgumentException for an invalid name.</summary>
    CatalogEntry? Copy(string source, string destination);
}

/// <summary>One model the server can load.</summary>
internal sealed record CatalogEntry(string Name, string Path, long Size, DateTimeOffset ModifiedAt, string? Digest);

/// <summary>One progress report of a pull, in Ollama's terms (status text, bytes of the current layer).</summary>
internal sealed record PullStatus(string Status, string? Digest = null, long? Total = null, long? Completed = null);

/// <summary>A pull that failed for a reason the client should see (bad digest, unknown model, source unreachable).</summary>
internal sealed class PullFailedException(string message, Exception? inner = null) : Exception(message, inner);
