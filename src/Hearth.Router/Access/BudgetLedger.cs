using Hearth.Router.Registry;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Hearth.Router.Access;

/// <summary>
/// Keeps in-process token budgets across restarts: usage is added up in memory and written to the
/// <c>key_usage</c> table every <see cref="DefaultFlushInterval"/> (and on dispose) as additive upserts,
/// so several router processes on one database each add their own share. A key's usage for the current
/// period is read once, the first time the key is seen in that period. With Redis, Redis holds the budget instead.
/// </summary>
internal sealed class BudgetLedger : IDisposable
{
    /// <summary>5 s: at most five seconds of usage can be lost in a crash.</summary>
    public static readonly TimeSpan DefaultFlushInterval = TimeSpan.FromSeconds(5);

    private readonly RouterDatabase database;
    private readonly ILogger logger;
    private readonly ITimer timer;
    private readonly Lock gate = new();
    private Dictionary<(string KeyId, long PeriodStart), long> pending = [];

    public BudgetLedger(RouterDatabase database, TimeProvider time, ILogger logger, TimeSpan? flushInterval = null)
    {
        this.database = database;
        this.logger = logger;
        var period = flushInterval ?? DefaultFlushInterval;
        timer = time.CreateTimer(_ => Flush(), null, period, period);
    }

    /// <summary>Tokens recorded for the key in the period starting at <paramref name="periodStart"/>, flushed or not.</summary>
    public long Load(string keyId, DateTimeOffset periodStart)
    {
        var start = periodStart.ToUnixTimeMilliseconds();
        long stored = 0;
        try
        {
            using var connection = database.OpenConnection();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT tokens FROM key_usage WHERE key_id = $id AND period_start_unix_ms = $start;";
            command.Parameters.AddWithValue("$id", keyId);
            command.Parameters.AddWithValue("$start", start);
            stored = command.ExecuteScalar() is long n ? n : 0;
        }
        catch (SqliteException ex)
        {
            AccessLog.LedgerFailed(logger, ex); // counting from zero beats refusing the request
        }

        lock (gate)
        {
            return stored + pending.GetValueOrDefault((keyId, start));
        }
    }

    public void Add(string keyId, DateTimeOffset periodStart, long tokens)
    {
        lock (gate)
        {
            var k = (keyId, periodStart.ToUnixTimeMilliseconds());
            pending[k] = pending.GetValueOrDefault(k) + tokens;
        }
    }

    public void Flush()
    {
        Dictionary<(string KeyId, long PeriodStart), long> batch;
        lock (gate)
        {
            if (pending.Count == 0)
            {
                return;
            }

            batch = pending;
            pending = [];
        }

        try
        {
            using var connection = database.OpenConnection();
            using var transaction = connection.BeginTransaction(deferred: false);
            foreach (var ((id, start), tokens) in batch)
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = """
                    INSERT INTO key_usage (key_id, period_start_unix_ms, tokens) VALUES ($id, $start, $tokens)
                    ON CONFLICT (key_id, period_start_unix_ms) DO UPDATE SET tokens = tokens + excluded.tokens;
                    """;
                command.Parameters.AddWithValue("$id", id);
                command.Parameters.AddWithValue("$start", start);
                command.Parameters.AddWithValue("$tokens", tokens);
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
        catch (SqliteException ex)
        {
            AccessLog.LedgerFailed(logger, ex);
            lock (gate)
            {
                foreach (var (k, tokens) in batch)
                {
                    pending[k] = pending.GetValueOrDefault(k) + tokens; // kept for the next flush
                }
            }
        }
    }

    public void Dispose()
    {
        timer.Dispose();
        Flush();
    }
}
