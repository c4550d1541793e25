namespace Hearth.Server.Models;

/// <summary>
/// Turns the model name of a request into a file: first the aliases registered by
/// <c>serve --model PATH</c> (alias = file name without .gguf), then the store. Ollama clients append
/// ":latest" to bare names, so "tiny:latest" finds alias "tiny".
/// </summary>
internal sealed class ModelResolver
{
    private readonly Dictionary<string, CatalogEntry> aliases = new(StringComparer.Ordinal);
    private readonly List<CatalogEntry> ordered = [];

    public ModelResolver(IModelCatalog? catalog)
    {
        Catalog = catalog;
    }

    public IModelCatalog? Catalog { get; }

    /// <summary>The first model given to serve: used when a request names no model.</summary>
    public string? DefaultModel => ordered.Count > 0 ? ordered[0].Name : null;

    /// <summary>Registers a --model argument: an existing file becomes an alias, anything else must resolve in the store.</summary>
    public CatalogEntry Register(string pathOrName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pathOrName);
        CatalogEntry entry;
        if (File.Exists(pathOrName))
        {
            var info = new FileInfo(pathOrName);
            var name = info.Name.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) ? info.Name[..^5] : info.Name;
            entry = new CatalogEntry(name, info.FullName, info.Length, info.LastWriteTimeUtc, null);
        }
        else
        {
            entry = Catalog?.Resolve(pathOrName)
                ?? throw new FileNotFoundException($"--model '{pathOrName}' is neither a file nor a model in the store.", pathOrName);
        }

        if (aliases.TryAdd(entry.Name, entry))
        {
            ordered.Add(entry);
        }

        return entry;
    }

    public CatalogEntry? Resolve(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return ordered.Count > 0 ? ordered[0] : null;
        }

        if (aliases.TryGetValue(name, out var alias)
            || (name.EndsWith(":latest", StringComparison.Ordinal) && aliases.TryGetValue(name[..^7], out alias)))
        {
            return alias;
        }

        return Catalog?.Resolve(name);
    }

    /// <summary>Every model a request may name: aliases first, then the store's.</summary>
    public IReadOnlyList<CatalogEntry> List()
    {
        var all = new List<CatalogEntry>(ordered);
        if (Catalog is not null)
        {
            var seen = new HashSet<string>(ordered.Select(e => e.Name), StringComparer.Ordinal);
            all.AddRange(Catalog.List().Where(e => seen.Add(e.Name)));
        }

        return all;
    }
}
