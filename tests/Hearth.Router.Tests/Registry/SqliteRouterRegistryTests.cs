using Hearth.Router.Registry;
using Hearth.Router.Tests.Support;

namespace Hearth.Router.Tests.Registry;

public sealed class SqliteRouterRegistryTests : IDisposable
{
    private readonly RouterFixture fx = new();

    public void Dispose() => fx.Dispose();

    private static RegisteredBackend Backend(string name) =>
        new(name, new Uri("http://127.0.0.1:8000"), "openai", ["llama-3.1-8b"], "EXTERNAL_X_KEY", "cluster", 2, 16);

    [Fact]
    public void Admin_changes_raise_Changed_with_a_new_snapshot_and_leave_old_snapshots_untouched()
    {
        var registry = new SqliteRouterRegistry(fx.Database, fx.Time);
        var seen = new List<RegistrySnapshot>();
        registry.Changed += seen.Add;
        var before = registry.Current;

        Assert.True(registry.AddBackend(Backend("gpu")));
        registry.AddAlias("chat", [new AliasTarget("gpu", "llama-3.1-8b"), new AliasTarget("cpu", "llama-q4")]);
        registry.AddAlias("chat", [new AliasTarget("gpu", "llama-3.1-8b"), new AliasTarget("ext", "gpt")]);

        Assert.Equal(3, seen.Count);
        Assert.Same(registry.Current, seen[^1]);
        Assert.Empty(before.Backends); // snapshots are immutable: the old one still shows the old state
        Assert.Empty(before.Aliases);
        var b = Assert.Single(registry.Current.Backends);
        Assert.Equal(Backend("gpu") with { Models = b.Models }, b);
        Assert.Equal(["llama-3.1-8b"], b.Models);
        Assert.Equal(
            [new AliasTarget("gpu", "llama-3.1-8b"), new AliasTarget("cpu", "llama-q4"), new AliasTarget("ext", "gpt")],
            registry.Current.Aliases["chat"]);

        Assert.False(registry.AddBackend(Backend("gpu"))); // names are unique
        Assert.True(registry.RemoveAlias("chat"));
        Assert.False(registry.RemoveAlias("chat"));
        Assert.True(registry.RemoveBackend("gpu"));
        Assert.Equal(RegistrySnapshot.Empty.Aliases.Count, registry.Current.Aliases.Count);
        Assert.Empty(registry.Current.Backends);
        Assert.Equal(5, seen.Count);
    }

    [Fact]
    public void Another_process_change_is_seen_through_the_watcher_on_the_next_poll()
    {
        var running = new SqliteRouterRegistry(fx.Database, fx.Time, fx.Watcher);
        var changed = 0;
        running.Changed += _ => changed++;

        // A second opener of the same file (as the CLI or another replica would be) makes the change.
        var other = new SqliteRouterRegistry(RouterDatabase.Open(fx.DatabasePath), TimeProvider.System);
        other.AddAlias("embed", [new AliasTarget("gpu", "bge")]);
        Assert.Empty(running.Current.Aliases); // nothing read yet: the hot path never queries

        fx.Time.Advance(DatabaseWatcher.DefaultInterval);

        Assert.Equal(1, changed);
        Assert.Equal([new AliasTarget("gpu", "bge")], running.Current.Aliases["embed"]);
    }

    [Fact]
    public void A_key_change_does_not_raise_registry_Changed()
    {
        var running = new SqliteRouterRegistry(fx.Database, fx.Time, fx.Watcher);
        var changed = 0;
        running.Changed += _ => changed++;

        fx.Store.Create(new Hearth.Router.Access.KeySpec());
        fx.Time.Advance(DatabaseWatcher.DefaultInterval);

        Assert.Equal(0, changed);
    }
}
