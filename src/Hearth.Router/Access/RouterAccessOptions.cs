namespace Hearth.Router.Access;

/// <summary>Settings for keys, limits, the response cache and the registry database.</summary>
public sealed record RouterAccessOptions
{
    /// <summary>The SQLite database (registry, keys, key secret). Default: <see cref="Registry.RouterDatabase.ResolvePath"/>
    /// with no explicit path, i.e. <c>$SQLITE_DB_PATH</c>, else <c>$HEARTH_HOME/router.db</c>.</summary>
    public string DatabasePath { get; init; } = Registry.RouterDatabase.ResolvePath(null);

    /// <summary><c>redis://host:port</c> shared by all replicas for limits and the cache; null = in-process.</summary>
    public string? RedisUrl { get; init; }

    /// <summary>The environment variable holding the master key. Default HEARTH_ROUTER_MASTER_KEY.
    /// Without a master key the admin API refuses every call (401).</summary>
    public string MasterKeyEnv { get; init; } = "HEARTH_ROUTER_MASTER_KEY";

    /// <summary>The master key itself, overriding <see cref="MasterKeyEnv"/> (for embedding and tests).</summary>
    public string? MasterKey { get; init; }

    /// <summary>Refuse requests without a valid key even while no key exists. Default false: keys switch on
    /// when the first key is created.</summary>
    public bool RequireKeys { get; init; }

    /// <summary>Cache deterministic responses. Default true.</summary>
    public bool CacheEnabled { get; init; } = true;

    /// <summary>How long a cached response is served. Default 10 minutes.</summary>
    public TimeSpan CacheTtl { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The in-memory cache's entry bound. Default 10,000.</summary>
    public int CacheMaxEntries { get; init; } = 10_000;

    /// <summary>The in-memory cache's byte bound (bodies plus a small per-entry overhead). Default 256 MiB.</summary>
    public long CacheMaxBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>How often the database is polled for changes made by other processes (CLI, replicas). Default 250 ms.</summary>
    public TimeSpan ChangePollInterval { get; init; } = Registry.DatabaseWatcher.DefaultInterval;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The master key in force: <see cref="MasterKey"/>, else the environment variable; null or empty = none.</summary>
    public string? ResolveMasterKey()
    {
        var key = MasterKey ?? Environment.GetEnvironmentVariable(MasterKeyEnv);
        return string.IsNullOrEmpty(key) ? null : key;
    }
}
