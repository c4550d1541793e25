using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Hearth.Store.Registry;

/// <summary>
/// How Hearth opens its SQLite state files (the model store's registry, the router's keys and registry): several
/// processes share one file, so every connection waits on a busy lock instead of failing and runs in WAL mode.
/// </summary>
public static class WalDatabase
{
    /// <summary>A read-write-create connection string without pooling (each open sets its pragmas afresh).</summary>
    public static string ConnectionString(string path, TimeSpan busyTimeout) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = false,
        DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
    }.ToString();

    /// <summary>Opens a connection with busy_timeout, WAL and synchronous=NORMAL set.</summary>
    public static SqliteConnection Open(string connectionString, TimeSpan busyTimeout)
    {
        var busyTimeoutMs = (int)Math.Clamp(busyTimeout.TotalMilliseconds, 0, int.MaxValue);
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            // busy_timeout first: switching to WAL itself needs the lock another process may hold.
            Execute(connection, "PRAGMA busy_timeout = " + busyTimeoutMs.ToString(CultureInfo.InvariantCulture) + ";");
            Execute(connection, "PRAGMA journal_mode = WAL;");
            // NORMAL is durable in WAL mode except for the last commits on power loss
            // (sqlite.org/pragma.html#pragma_synchronous); both files hold state that is cheap to re-create or re-enter.
            Execute(connection, "PRAGMA synchronous = NORMAL;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
