using System.Globalization;
using Hearth.Router.Access;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hearth.Router.Registry;

/// <summary>
/// Notices commits made to the database by any other connection or process (the CLI creating a key,
/// another router replica's admin change) by polling <c>PRAGMA data_version</c> on one long-lived
/// connection. That pragma is a per-connection counter SQLite bumps whenever another connection
/// commits, so one cheap query every <see cref="DefaultInterval"/> is enough and nothing runs per request.
/// </summary>
public sealed class DatabaseWatcher : IDisposable
{
    /// <summary>250 ms: a key made with the CLI works in a running router within ~1 s, as the issue asks.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(250);

    private readonly Lock gate = new();
    private readonly SqliteConnection connection;
    private readonly ITimer timer;
    private readonly ILogger logger;
    private long lastVersion;
    private bool disposed;

    public DatabaseWatcher(RouterDatabase database, TimeProvider time, TimeSpan? interval = null, ILogger? logger = null)
    {
        this.logger = logger ?? NullLogger.Instance;
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(time);
        connection = database.OpenConnection();
        lastVersion = ReadVersion();
        var period = interval ?? DefaultInterval;
        timer = time.CreateTimer(_ => Poll(), null, period, period);
    }

    /// <summary>Raised on the timer thread after another connection committed.</summary>
    public event Action? Changed;

    /// <summary>Checks once now; true (and <see cref="Changed"/> raised) when something was committed since the last check.</summary>
    public bool Poll()
    {
        lock (gate)
        {
            if (disposed)
            {
                return false;
            }

            long version;
            try
            {
                version = ReadVersion();
            }
            catch (SqliteException)
            {
                return false; // busy or briefly unreadable: the next tick tries again
            }

            if (version == lastVersion)
            {
                return false;
            }

            lastVersion = version;
        }

        try
        {
            Changed?.Invoke();
        }
        catch (Exception ex) when (ex is SqliteException or IOException or InvalidOperationException)
        {
            // A reload failed (the file briefly locked): the old snapshot stays, and the next tick retries.
            AccessLog.KeyReloadFailed(logger, ex);
            lock (gate)
            {
                lastVersion = long.MinValue;
            }
        }

        return true;
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            timer.Dispose();
            connection.Dispose();
        }
    }

    private long ReadVersion()
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA data_version;";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
