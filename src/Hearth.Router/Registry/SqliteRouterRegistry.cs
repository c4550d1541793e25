using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Hearth.Router.Registry;

/// <summary>
/// <see cref="IRouterRegistry"/> over the router database. Reads happen only when something changed
/// (an admin call here, or a commit by another process seen by the <see cref="DatabaseWatcher"/>);
/// each reload builds a new immutable <see cref="RegistrySnapshot"/> and swaps it in with one reference write.
/// </summary>
public sealed class SqliteRouterRegistry : IRouterRegistry
{
    private readonly RouterDatabase database;
    private readonly TimeProvider time;
    private readonly Lock reloadGate = new();
    private volatile RegistrySnapshot current;
    private string signature;
    private long seenChanges;

    public SqliteRouterRegistry(RouterDatabase database, TimeProvider time, DatabaseWatcher? watcher = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(time);
        this.database = database;
        this.time = time;
        seenChanges = database.ChangeCount("registry");
        current = Load();
        signature = Signature(current);
        if (watcher is not null)
        {
            // Another process committed something: reload only if it touched backends or aliases.
            watcher.Changed += () =>
            {
                if (database.ChangeCount("registry") != Volatile.Read(ref seenChanges))
                {
                    Reload();
                }
            };
        }
    }

    public RegistrySnapshot Current => current;

    public event Action<RegistrySnapshot>? Changed;

    /// <summary>Re-reads the database; raises <see cref="Changed"/> when the registry part differs.</summary>
    public RegistrySnapshot Reload()
    {
        RegistrySnapshot snapshot;
        lock (reloadGate)
        {
            Volatile.Write(ref seenChanges, database.ChangeCount("registry"));
            snapshot = Load();
            var next = Signature(snapshot);
            if (next == signature)
            {
                return current;
            }

            signature = next;
            current = snapshot;
        }

        Changed?.Invoke(snapshot);
        return snapshot;
    }

    /// <summary>Adds a runtime backend; false when one of that name exists.</summary>
    public bool AddBackend(RegisteredBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        using (var connection = database.OpenConnection())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                INSERT OR IGNORE INTO backends (name, url, type, models, api_key_env, tier, weight, max_concurrency, added_unix_ms)
                VALUES ($name, $url, $type, $models, $env, $tier, $weight, $max, $added);
                """;
            command.Parameters.AddWithValue("$name", backend.Name);
            command.Parameters.AddWithValue("$url", backend.Url.AbsoluteUri);
            command.Parameters.AddWithValue("$type", backend.Type);
            command.Parameters.AddWithValue("$models", backend.Models is null ? DBNull.Value : JsonSerializer.Serialize(backend.Models));
            command.Parameters.AddWithValue("$env", (object?)backend.ApiKeyEnv ?? DBNull.Value);
            command.Parameters.AddWithValue("$tier", backend.Tier);
            command.Parameters.AddWithValue("$weight", backend.Weight);
            command.Parameters.AddWithValue("$max", backend.MaxConcurrency);
            command.Parameters.AddWithValue("$added", time.GetUtcNow().ToUnixTimeMilliseconds());
            if (command.ExecuteNonQuery() == 0)
            {
                return false;
            }
        }

        Reload();
        return true;
    }

    /// <summary>Removes a runtime backend; false when there is none of that name.</summary>
    public bool RemoveBackend(string name) => Delete("DELETE FROM backends WHERE name = $key;", name);

    /// <summary>Adds deployments to an alias (creating it); existing (backend, model) pairs are kept once.</summary>
    public void AddAlias(string alias, IReadOnlyList<AliasTarget> targets)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(alias);
        ArgumentNullException.ThrowIfNull(targets);
        using (var connection = database.OpenConnection())
        using (var transaction = connection.BeginTransaction(deferred: false))
        {
            using var max = connection.CreateCommand();
            max.Transaction = transaction;
            max.CommandText = "SELECT coalesce(max(position), -1) FROM model_aliases WHERE alias = $alias;";
            max.Parameters.AddWithValue("$alias", alias);
            var position = (long)max.ExecuteScalar()!;
            foreach (var target in targets)
            {
                using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = """
                    INSERT OR IGNORE INTO model_aliases (alias, backend, backend_model, position)
                    VALUES ($alias, $backend, $model, $position);
                    """;
                insert.Parameters.AddWithValue("$alias", alias);
                insert.Parameters.AddWithValue("$backend", target.Backend);
                insert.Parameters.AddWithValue("$model", target.BackendModel);
                insert.Parameters.AddWithValue("$position", ++position);
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        Reload();
    }

    /// <summary>Removes an alias with all its deployments; false when there is none.</summary>
    public bool RemoveAlias(string alias) => Delete("DELETE FROM model_aliases WHERE alias = $key;", alias);

    private bool Delete(string sql, string key)
    {
        int rows;
        using (var connection = database.OpenConnection())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = sql;
            command.Parameters.AddWithValue("$key", key);
            rows = command.ExecuteNonQuery();
        }

        if (rows > 0)
        {
            Reload();
        }

        return rows > 0;
    }

    private RegistrySnapshot Load()
    {
        using var connection = database.OpenConnection();
        var aliases = new Dictionary<string, List<AliasTarget>>(StringComparer.Ordinal);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT alias, backend, backend_model FROM model_aliases ORDER BY alias, position;";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var alias = reader.GetString(0);
                if (!aliases.TryGetValue(alias, out var list))
                {
                    aliases[alias] = list = [];
                }

                list.Add(new AliasTarget(reader.GetString(1), reader.GetString(2)));
            }
        }

        var backends = new List<RegisteredBackend>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name, url, type, models, api_key_env, tier, weight, max_concurrency FROM backends ORDER BY added_unix_ms, name;";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                backends.Add(ReadBackend(reader));
            }
        }

        return new RegistrySnapshot(
            aliases.ToDictionary(p => p.Key, p => (IReadOnlyList<AliasTarget>)p.Value.AsReadOnly(), StringComparer.Ordinal).AsReadOnly(),
            backends.AsReadOnly());
    }

    private static RegisteredBackend ReadBackend(SqliteDataReader reader) => new(
        reader.GetString(0),
        new Uri(reader.GetString(1), UriKind.Absolute),
        reader.GetString(2),
        reader.IsDBNull(3) ? null : JsonSerializer.Deserialize<string[]>(reader.GetString(3)),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.GetString(5),
        reader.GetInt32(6),
        reader.GetInt32(7));

    // Records holding lists compare by reference, so change detection compares a canonical text instead.
    private static string Signature(RegistrySnapshot snapshot) => JsonSerializer.Serialize(new
    {
        a = snapshot.Aliases.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new { p.Key, p.Value }),
        b = snapshot.Backends,
    });
}
