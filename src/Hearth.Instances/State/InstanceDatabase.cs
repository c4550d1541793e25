using System.Globalization;
using Hearth.Instances.Model;
using Microsoft.Data.Sqlite;

namespace Hearth.Instances.State;

/// <summary>
/// The supervisor's state in SQLite (WAL): instance definitions, desired state, recorded processes. Opening migrates
/// an older schema after a <c>VACUUM INTO</c> backup beside the file. One connection, serialized by a lock: writes are
/// rare (user actions and process starts), so contention does not matter.
/// </summary>
public sealed class InstanceDatabase : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    private InstanceDatabase(SqliteConnection connection) => _connection = connection;

    public string? BackupPath { get; private set; }

    /// <summary>Opens (creating if needed) and migrates up to <paramref name="targetVersion"/> (tests open older versions).</summary>
    public static InstanceDatabase Open(string path, int? targetVersion = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        var db = new InstanceDatabase(connection);
        try
        {
            db.Execute("PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;");
            db.Migrate(path, targetVersion ?? Migrations.Latest);
            return db;
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    public int Version => Convert.ToInt32(Scalar("PRAGMA user_version"), CultureInfo.InvariantCulture);

    private void Migrate(string path, int target)
    {
        var version = Version;
        if (version > Migrations.Latest)
        {
            throw new InvalidDataException($"{path}: schema version {version} is newer than this hearth understands ({Migrations.Latest})");
        }

        if (version >= target)
        {
            return;
        }

        if (version > 0)
        {
            // A copy of the old database before touching it: a failed or buggy migration loses nothing.
            BackupPath = $"{path}.v{version}.{DateTime.UtcNow:yyyyMMddHHmmss}.bak";
            using var backup = _connection.CreateCommand();
            backup.CommandText = "VACUUM INTO $file";
            backup.Parameters.AddWithValue("$file", BackupPath);
            backup.ExecuteNonQuery();
        }

        using var tx = _connection.BeginTransaction();
        for (var v = version; v < target; v++)
        {
            using var step = _connection.CreateCommand();
            step.Transaction = tx;
            step.CommandText = Migrations.Steps[v] + $"\nPRAGMA user_version = {v + 1};";
            step.ExecuteNonQuery();
        }

        tx.Commit();
    }

    public void Insert(InstanceSpec spec, DesiredState desired)
    {
        ArgumentNullException.ThrowIfNull(spec);
        lock (_lock)
        {
            try
            {
                Execute("INSERT INTO instances(name, spec, created, desired) VALUES($n, $s, $c, $d)",
                    ("$n", spec.Name), ("$s", SpecJson.Serialize(spec)), ("$c", DateTimeOffset.UtcNow.ToString("O")), ("$d", Desired(desired)));
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
            {
                throw new DuplicateInstanceException(spec.Name);
            }
        }
    }

    public void Update(InstanceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        lock (_lock)
        {
            if (Execute("UPDATE instances SET spec=$s WHERE name=$n", ("$n", spec.Name), ("$s", SpecJson.Serialize(spec))) == 0)
            {
                throw new InstanceNotFoundException(spec.Name);
            }
        }
    }

    public void SetDesired(string name, DesiredState desired)
    {
        lock (_lock)
        {
            Execute("UPDATE instances SET desired=$d WHERE name=$n", ("$n", name), ("$d", Desired(desired)));
        }
    }

    public void Delete(string name)
    {
        lock (_lock)
        {
            Execute("DELETE FROM instances WHERE name=$n", ("$n", name));
            Execute("DELETE FROM processes WHERE name=$n", ("$n", name));
        }
    }

    public IReadOnlyList<(InstanceSpec Spec, DesiredState Desired)> List()
    {
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT spec, desired FROM instances ORDER BY name";
            using var reader = cmd.ExecuteReader();
            var list = new List<(InstanceSpec, DesiredState)>();
            while (reader.Read())
            {
                list.Add((SpecJson.Deserialize(reader.GetString(0)), reader.GetString(1) == "running" ? DesiredState.Running : DesiredState.Stopped));
            }

            return list;
        }
    }

    public void SaveProcess(ProcessRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            Execute("INSERT OR REPLACE INTO processes(name, pid, sid, start_ticks, port, run, started) VALUES($n, $p, $s, $t, $o, $r, $d)",
                ("$n", record.Name), ("$p", record.Pid), ("$s", record.Sid), ("$t", record.StartTicks), ("$o", record.Port), ("$r", record.Run),
                ("$d", record.Started.ToString("O")));
        }
    }

    public void ClearProcess(string name)
    {
        lock (_lock)
        {
            Execute("DELETE FROM processes WHERE name=$n", ("$n", name));
        }
    }

    public IReadOnlyList<ProcessRecord> Processes()
    {
        lock (_lock)
        {
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT name, pid, sid, start_ticks, port, run, started FROM processes";
            using var reader = cmd.ExecuteReader();
            var list = new List<ProcessRecord>();
            while (reader.Read())
            {
                list.Add(new ProcessRecord(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetInt32(4),
                    reader.GetInt32(5), DateTimeOffset.Parse(reader.GetString(6), CultureInfo.InvariantCulture)));
            }

            return list;
        }
    }

    public void Dispose() => _connection.Dispose();

    private static string Desired(DesiredState d) => d == DesiredState.Running ? "running" : "stopped";

    internal int Execute(string sql, params (string Name, object Value)[] args)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in args)
        {
            cmd.Parameters.AddWithValue(name, value);
        }

        return cmd.ExecuteNonQuery();
    }

    internal object? Scalar(string sql)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }
}
