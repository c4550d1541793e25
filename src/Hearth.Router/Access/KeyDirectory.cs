using Hearth.Router.Registry;

namespace Hearth.Router.Access;

/// <summary>
/// The in-memory view of the virtual keys that the gate reads on every request. It is rebuilt only
/// when the database changed (admin call, or the CLI seen by the <see cref="DatabaseWatcher"/>), so
/// the hot path is one HMAC and one dictionary probe, never SQL.
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
    internal sealed record Snapshot(
        Dictionary<string, VirtualKey> ByHash,
        Dictionary<string, VirtualKey> ById,
        bool AnyKeys)
    {
        private readonly Dictionary<string, VirtualKey>.AlternateLookup<ReadOnlySpan<char>> lookup =
            ByHash.GetAlternateLookup<ReadOnlySpan<char>>();

        public bool TryFind(KeyHasher hasher, string bearer, out VirtualKey? key)
        {
            Span<char> hex = stackalloc char[64];
            if (!hasher.TryHashHex(bearer, hex))
            {
                key = null;
                return false;
            }

            return lookup.TryGetValue(hex, out key);
        }
    }
}
