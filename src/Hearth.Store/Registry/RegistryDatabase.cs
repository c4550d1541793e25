using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Hearth.Store.Registry;

/// <summary>
/// Opens connections to the SQLite registry with the settings that make it safe for several
/// processes at once (WAL journal, busy timeout) and migrates the schema on first open.
/// </summary>
/// <remarks>
/// Every operation opens its own connection (pooling off): the store is shared by server threads
/// and CLI processes, a SqliteConnection is not thread-safe, and an open costs microseconds next to
/// the file work the store does. Pooling off also means no file handle outlives an operation.
/// </remarks>
internal sealed class RegistryDatabase
{
    private readonly string connectionString;
    private readonly int busyTimeoutMs;

    public RegistryDatabase(string path, TimeSpan busyTimeout)
    {
        Path = path;
        busyTimeoutMs = (int)Math.Clamp(busyTimeout.TotalMilliseconds, 0, int.MaxValue);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
        }.ToString();
    }

    public string Path { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            // busy_timeout first: switching to WAL itself needs the lock another process may hold.
            Execute(connection, "PRAGMA busy_timeout = " + busyTimeoutMs.ToString(CultureInfo.InvariantCulture) + ";");
            Execute(connection, "PRAGMA journal_mode = WAL;");
            // NORMAL is durable in WAL mode except for the last commits on power loss, which a
            // registry of re-creatable entries can afford (sqlite.org/pragma.html#pragma_synchronous).
            Execute(connection, "PRAGMA synchronous = NORMAL;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Brings the schema to the newest version, once, under the write lock.</summary>
    public void Migrate()
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: one migrator at a time
        var version = Convert.ToInt64(Scalar(connection, transaction, "PRAGMA user_version;"), CultureInfo.InvariantCulture);
        if (version > RegistrySchema.Migrations.Count)
        {
            throw new RegistrySchemaException(Path, version, RegistrySchema.Migrations.Count);
        }

        for (var v = (int)version; v < RegistrySchema.Migrations.Count; v++)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = RegistrySchema.Migrations[v];
            command.ExecuteNonQuery();
        }

        if (version < RegistrySchema.Migrations.Count)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "PRAGMA user_version = " + RegistrySchema.Migrations.Count.ToString(CultureInfo.InvariantCulture) + ";";
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
