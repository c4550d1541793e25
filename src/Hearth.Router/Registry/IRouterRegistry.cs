namespace Hearth.Router.Registry;

/// <summary>A backend added at run time through <c>/admin/backends</c> (config-file backends are not stored).</summary>
public sealed record RegisteredBackend(
    string Name,
    Uri Url,
    string Type,
    IReadOnlyList<string>? Models,
    string? ApiKeyEnv,
    string Tier,
    int Weight,
    int MaxConcurrency);

/// <summary>One deployment of a public model name: which backend serves it and under what name there.</summary>
public sealed record AliasTarget(string Backend, string BackendModel);

/// <summary>An immutable view of the registry; the hot path reads only this, never the database.</summary>
public sealed record RegistrySnapshot(
    IReadOnlyDictionary<string, IReadOnlyList<AliasTarget>> Aliases,
    IReadOnlyList<RegisteredBackend> Backends)
{
    public static RegistrySnapshot Empty { get; } = new(new Dictionary<string, IReadOnlyList<AliasTarget>>(), []);
}

/// <summary>The SQLite-backed model and backend registry (implemented in <c>Registry/</c>).</summary>
public interface IRouterRegistry
{
    RegistrySnapshot Current { get; }

    /// <summary>Raised after every change made through the admin API, with the new snapshot.</summary>
    event Action<RegistrySnapshot>? Changed;
}
