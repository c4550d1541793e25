using System.Text.Json;
using Hearth.Router.Registry;
using Microsoft.Data.Sqlite;

namespace Hearth.Router.Access;

/// <summary>
/// Virtual keys in the router database: create (returns the key once), list, revoke. Used by the
/// admin API and, directly on the file, by <c>hearth router keys</c>; a running router notices the
/// CLI's changes through its <see cref="DatabaseWatcher"/>.
/// </summary>
public sealed class KeyStore
{
    private readonly RouterDatabase database;
    private readonly TimeProvider time;
    private KeyHasher? hasher;

    public KeyStore(RouterDatabase database, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(time);
        this.database = database;
        this.time = time;
    }

    public KeyHasher Hasher => hasher ??= new KeyHasher(database.KeySecret());

    /// <summary>Creates a key. Throws <see cref="ArgumentException"/> listing every problem when the spec is invalid.</summary>
    public CreatedKey Create(KeySpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var now = time.GetUtcNow();
        var errors = spec.Validate(now);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors.Select(e => $"{e.Param}: {e.Message}")), errors[0].Param);
        }

        var secret = KeyHasher.NewKey();
        var key = new VirtualKey(KeyHasher.NewId(), spec.Name, KeyHasher.VisiblePrefix(secret), spec, now, null);
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO virtual_keys (id, name, prefix, hash, models, rpm, tpm, budget_tokens, budget_period, private, expires_unix_ms, created_unix_ms)
            VALUES ($id, $name, $prefix, $hash, $models, $rpm, $tpm, $budget, $period, $private, $expires, $created);
            """;
        command.Parameters.AddWithValue("$id", key.Id);
        command.Parameters.AddWithValue("$name", (object?)spec.Name ?? DBNull.Value);
        command.Parameters.AddWithValue("$prefix", key.Prefix);
        command.Parameters.AddWithValue("$hash", Hasher.Hash(secret));
        command.Parameters.AddWithValue("$models", spec.Models is { Count: > 0 } m ? JsonSerializer.Serialize(m) : DBNull.Value);
        command.Parameters.AddWithValue("$rpm", (object?)spec.Rpm ?? DBNull.Value);
        command.Parameters.AddWithValue("$tpm", (object?)spec.Tpm ?? DBNull.Value);
        command.Parameters.AddWithValue("$budget", (object?)spec.BudgetTokens ?? DBNull.Value);
        command.Parameters.AddWithValue("$period", spec.BudgetPeriod.ToString().ToLowerInvariant());
        command.Parameters.AddWithValue("$private", spec.Private ? 1 : 0);
        command.Parameters.AddWithValue("$expires", spec.Expires is { } e ? e.ToUnixTimeMilliseconds() : DBNull.Value);
        command.Parameters.AddWithValue("$created", now.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
        return new CreatedKey(key, secret);
    }

    /// <summary>Every key, revoked ones included (oldest first), with the stored hash as hex.</summary>
    public IReadOnlyList<(VirtualKey Key, string HashHex)> LoadAll()
    {
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, name, prefix, hash, models, rpm, tpm, budget_tokens, budget_period, private, expires_unix_ms, created_unix_ms, revoked_unix_ms
            FROM virtual_keys ORDER BY created_unix_ms, id;
            """;
        using var reader = command.ExecuteReader();
        var keys = new List<(VirtualKey, string)>();
        while (reader.Read())
        {
            keys.Add((Read(reader), Convert.ToHexString((byte[])reader.GetValue(3))));
        }

        return keys;
    }

    /// <summary>Bumped by a trigger on every change to the keys table.</summary>
    public long ChangeCount() => database.ChangeCount("keys");

    public IReadOnlyList<VirtualKey> List() => LoadAll().Select(k => k.Key).ToList();

    /// <summary>Revokes a key; false when no such key exists or it was already revoked.</summary>
    public bool Revoke(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE virtual_keys SET revoked_unix_ms = $now WHERE id = $id AND revoked_unix_ms IS NULL;";
        command.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteNonQuery() > 0;
    }

    private static VirtualKey Read(SqliteDataReader reader)
    {
        var spec = new KeySpec(
            reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.IsDBNull(4) ? null : JsonSerializer.Deserialize<string[]>(reader.GetString(4)),
            NullableLong(reader, 5),
            NullableLong(reader, 6),
            NullableLong(reader, 7),
            Enum.Parse<BudgetPeriod>(reader.GetString(8), ignoreCase: true),
            reader.GetInt64(9) != 0,
            NullableTime(reader, 10));
        return new VirtualKey(
            reader.GetString(0),
            spec.Name,
            reader.GetString(2),
            spec,
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(11)),
            NullableTime(reader, 12));
    }

    private static long? NullableLong(SqliteDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);

    private static DateTimeOffset? NullableTime(SqliteDataReader reader, int i) =>
        reader.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(i));
}
