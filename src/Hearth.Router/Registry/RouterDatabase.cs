using Hearth.Store.Registry;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace Hearth.Router.Registry;

/// <summary>
/// The router's SQLite database (registry, virtual keys, the key secret): opens connections with
/// WAL and a busy timeout so the router and CLI processes can share it, and migrates the schema on open.
/// </summary>
/// <remarks>
/// Every operation opens its own connection with pooling off, as Hearth.Store does: the database is
/// touched only by admin changes and snapshot reloads, never per request, so an open per operation
/// costs nothing that matters and no connection is shared between threads.
/// The file is created with mode 0600 before SQLite first opens it: it holds the HMAC secret, and
/// SQLite gives its -wal and -shm files the same mode as the database.
/// </remarks>
public sealed class RouterDatabase
{
    /// <summary>Environment variable naming the database file (the seed system's name).</summary>
    public const string PathVariable = "SQLITE_DB_PATH";

    private const string SecretSetting = "key_hmac_secret";
    private readonly string connectionString;
    private readonly TimeSpan busyTimeout;
    private byte[]? secret;

    private RouterDatabase(string path, TimeSpan busyTimeout)
    {
        Path = System.IO.Path.GetFullPath(path);
        this.busyTimeout = busyTimeout;
        connectionString = WalDatabase.ConnectionString(Path, busyTimeout);
    }

    public string Path { get; }

    /// <summary>Opens (creating when missing, mode 0600) and migrates the database at <paramref name="path"/>.</summary>
    public static RouterDatabase Open(string path, TimeSpan? busyTimeout = null)
    {
        var database = Create(path, busyTimeout);
        database.Migrate();
        return database;
    }

    /// <summary>For tests: the database without migrating it.</summary>
    internal static RouterDatabase Create(string path, TimeSpan? busyTimeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var database = new RouterDatabase(path, busyTimeout ?? TimeSpan.FromSeconds(10));
        database.CreateFilePrivately();
        return database;
    }

    /// <summary>
    /// The database path the CLI and router use: <paramref name="explicitPath"/> when given, else
    /// <c>$SQLITE_DB_PATH</c>, else <c>$HEARTH_HOME/router.db</c> (HEARTH_HOME defaults to ~/.hearth, as for the model store).
    /// </summary>
    public static string ResolvePath(string? explicitPath)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return System.IO.Path.GetFullPath(explicitPath);
        }

        var env = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            return System.IO.Path.GetFullPath(env);
        }

        var home = Environment.GetEnvironmentVariable("HEARTH_HOME");
        home = string.IsNullOrWhiteSpace(home)
            ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".hearth")
            : System.IO.Path.GetFullPath(home);
        return System.IO.Path.Combine(home, "router.db");
    }

    public SqliteConnection OpenConnection() => WalDatabase.Open(connectionString, busyTimeout);

    /// <summary>The schema version on disk (0 for an empty file).</summary>
    public int SchemaVersion()
    {
        using var connection = OpenConnection();
        return ReadVersion(connection, null);
    }

    /// <summary>Brings the schema to <paramref name="target"/> (default: newest) in one IMMEDIATE transaction.</summary>
    internal void Migrate(int? target = null)
    {
        var to = target ?? RouterSchema.Latest;
        using var connection = OpenConnection();
        using var transaction = connection.BeginTransaction(deferred: false); // one migrator at a time
        var version = ReadVersion(connection, transaction);
        if (version > RouterSchema.Latest)
        {
            throw new RouterSchemaException(Path, version, RouterSchema.Latest);
        }

        for (var v = version; v < to; v++)
        {
            using var step = connection.CreateCommand();
            step.Transaction = transaction;
            step.CommandText = RouterSchema.Migrations[v] + "\nUPDATE schema_version SET version = " + (v + 1).ToString(CultureInfo.InvariantCulture) + ";";
            step.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>The trigger-maintained counter of one part of the database ("keys" or "registry").</summary>
    public long ChangeCount(string part)
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM change_counters WHERE name = $name;";
        command.Parameters.AddWithValue("$name", part);
        return command.ExecuteScalar() is long n ? n : 0;
    }

    /// <summary>
    /// The server secret that keys are HMACed with: 32 random bytes, made once by whichever process
    /// gets there first (INSERT OR IGNORE makes the race harmless) and kept in the settings table.
    /// </summary>
    public byte[] KeySecret()
    {
        if (secret is { } cached)
        {
            return cached;
        }

        using var connection = OpenConnection();
        using (var insert = connection.CreateCommand())
        {
            insert.CommandText = "INSERT OR IGNORE INTO settings (name, value) VALUES ($name, $value);";
            insert.Parameters.AddWithValue("$name", SecretSetting);
            insert.Parameters.AddWithValue("$value", RandomNumberGenerator.GetBytes(32));
            insert.ExecuteNonQuery();
        }

        using var select = connection.CreateCommand();
        select.CommandText = "SELECT value FROM settings WHERE name = $name;";
        select.Parameters.AddWithValue("$name", SecretSetting);
        secret = (byte[])select.ExecuteScalar()!;
        return secret;
    }

    private void CreateFilePrivately()
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        if (File.Exists(Path))
        {
            return;
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var _ = new FileStream(Path, options);
        }
        catch (IOException) when (File.Exists(Path))
        {
            // Another process created it between the check and the open: theirs is as good.
        }
    }

    private static int ReadVersion(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var exists = connection.CreateCommand();
        exists.Transaction = transaction;
        exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version';";
        if (Convert.ToInt64(exists.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
        {
            return 0;
        }

        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT version FROM schema_version;";
        return Convert.ToInt32(read.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

/// <summary>The database was written by a newer Hearth than this one.</summary>
public sealed class RouterSchemaException : Exception
{
    public RouterSchemaException(string path, int found, int supported)
        : base($"{path}: router database schema version {found} is newer than this hearth supports ({supported}); upgrade hearth")
    {
        DatabasePath = path;
        Found = found;
        Supported = supported;
    }

    public RouterSchemaException()
    {
        DatabasePath = string.Empty;
    }

    public RouterSchemaException(string message) : base(message)
    {
        DatabasePath = string.Empty;
    }

    public RouterSchemaException(string message, Exception innerException) : base(message, innerException)
    {
        DatabasePath = string.Empty;
    }

    public string DatabasePath { get; }

    public int Found { get; }

    public int Supported { get; }
}
