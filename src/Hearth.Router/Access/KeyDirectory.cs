using System.Collections.Concurrent;
using Hearth.Router.Registry;

namespace Hearth.Router.Access;

/// <summary>
/// The in-memory view of the virtual keys that the gate reads on every request. It is rebuilt only
/// when the database changed (admin call, or the CLI seen by the <see cref="DatabaseWatcher"/>), so
/// the hot path is one HMAC and one dictionary probe, never SQL; a key seen before in this generation skips the HMAC.
/// </summary>
public sealed class KeyDirectory
{
    private readonly KeyStore store;
    private readonly Lock reloadGate = new();
    private volatile Snapshot current;
    private long seenChanges = -1;
    private int reloads;

    public KeyDirectory(KeyStore store, DatabaseWatcher? watcher = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        this.store = store;
        seenChanges = store.ChangeCount();
        current = Build();
        if (watcher is not null)
        {
            watcher.Changed += ReloadIfChanged;
        }
    }

    internal Snapshot Current => current;

    public KeyHasher Hasher => store.Hasher;

    /// <summary>How many times the keys were read (for tests: unrelated writes must not cause reloads).</summary>
    internal int Reloads => Volatile.Read(ref reloads);

    /// <summary>Re-reads the keys table.</summary>
    public void Reload()
    {
        lock (reloadGate)
        {
            seenChanges = store.ChangeCount();
            current = Build();
        }
    }

    /// <summary>Re-reads the keys only when the keys table changed since the last read (one tiny query otherwise).</summary>
    public void ReloadIfChanged()
    {
        lock (reloadGate)
        {
            if (store.ChangeCount() != seenChanges)
            {
                Reload();
            }
        }
    }

    private Snapshot Build()
    {
        Interlocked.Increment(ref reloads);
        var all = store.LoadAll();
        var byHash = new Dictionary<string, VirtualKey>(all.Count, StringComparer.Ordinal);
        var byId = new Dictionary<string, VirtualKey>(all.Count, StringComparer.Ordinal);
        foreach (var (key, hash) in all)
        {
            byHash[hash] = key;
            byId[key.Id] = key;
        }

        return new Snapshot(byHash, byId, all.Count > 0);
    }

    /// <summary>One immutable generation of the keys.</summary>
    /// <param name="AnyKeys">True once any key was ever created (revoked ones count: revoking the last
    /// key must not silently open the router to everyone).</param>
    /// <remarks>
    /// Bearer tokens that matched a key are remembered here (token → key), so a client's later requests cost one string
    /// lookup instead of an HMAC-SHA256. The memory lives and dies with this generation: any change to the keys table
    /// (create, revoke, the CLI) builds a new snapshot with an empty one, so a revoked key is refused by the very next
    /// request, with no expiry to wait for. Revoked and expired keys stay in the table (the gate checks both on every
    /// request). Only matches are remembered, never misses, so made-up tokens cannot fill it; it stops growing at
    /// <see cref="MaxVerified"/>. The price: tokens of active clients stay in this process's memory for the generation's
    /// life, as the master key does for the process's.
    /// </remarks>
    internal sealed record Snapshot(
        Dictionary<string, VirtualKey> ByHash,
        Dictionary<string, VirtualKey> ById,
        bool AnyKeys)
    {
        /// <summary>Most remembered tokens per generation (about 100 bytes each).</summary>
        public const int MaxVerified = 10_000;

        private readonly Dictionary<string, VirtualKey>.AlternateLookup<ReadOnlySpan<char>> lookup =
            ByHash.GetAlternateLookup<ReadOnlySpan<char>>();

        private readonly ConcurrentDictionary<string, VirtualKey> verified = new(StringComparer.Ordinal);
        private int verifiedCount;

        /// <summary>Tokens remembered in this generation (for tests).</summary>
        public int VerifiedCount => Volatile.Read(ref verifiedCount);

        public bool TryFind(KeyHasher hasher, string bearer, out VirtualKey? key)
        {
            if (verified.TryGetValue(bearer, out key))
            {
                return true;
            }

            Span<char> hex = stackalloc char[64];
            if (!hasher.TryHashHex(bearer, hex) || !lookup.TryGetValue(hex, out key))
            {
                key = null;
                return false;
            }

            if (Volatile.Read(ref verifiedCount) < MaxVerified && verified.TryAdd(bearer, key))
            {
                Interlocked.Increment(ref verifiedCount);
            }

            return true;
        }
    }
}
