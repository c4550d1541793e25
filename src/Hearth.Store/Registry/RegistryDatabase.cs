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
    private readonly TimeSpan busyTimeout;

    public RegistryDatabase(string path, TimeSpan busyTimeout)
    {
        Path = path;
        this.busyTimeout = busyTimeout;
        connectionString = WalDatabase.ConnectionString(path, busyTimeout);
    }

    public string Path { get; }

    public SqliteConnection Open() => WalDatabase.Open(connectionString, busyTimeout);

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
