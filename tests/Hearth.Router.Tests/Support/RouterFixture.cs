using Hearth.Router.Access;
using Hearth.Router.Registry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Hearth.Router.Tests.Support;

/// <summary>A router database in a temp folder with a fake clock, and gates built over it.</summary>
public sealed class RouterFixture : IDisposable
{
    private readonly TempDir dir = new();
    private readonly List<IDisposable> owned = [];

    public RouterFixture()
    {
        Database = RouterDatabase.Open(DatabasePath);
        Store = new KeyStore(Database, Time);
        Watcher = new DatabaseWatcher(Database, Time);
        owned.Add(Watcher);
        Keys = new KeyDirectory(Store, Watcher);
    }

    // A fixed, known instant: mid-month, mid-week, so budget period arithmetic is easy to read.
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 6, 17, 12, 0, 0, 500, TimeSpan.Zero));

    public string DatabasePath => dir.File("router.db");

    public RouterDatabase Database { get; }

    public KeyStore Store { get; }

    public DatabaseWatcher Watcher { get; }

    public KeyDirectory Keys { get; }

    public const string MasterKey = "master-secret-for-tests";

    /// <param name="clock">The gate's own clock, for tests that jump days ahead: advancing <see cref="Time"/>
    /// that far would fire the 250 ms database watcher hundreds of thousands of times.</param>
    internal RequestGate MemoryGate(bool requireKeys = false, TimeProvider? clock = null) =>
        new(Keys, new InMemoryRateLimiter(), MasterKey, requireKeys, clock ?? Time);

    /// <summary>A clock starting where <see cref="Time"/> is now, not driving the database watcher.</summary>
    public FakeTimeProvider DetachedClock() => new(Time.GetUtcNow());

    internal RequestGate RedisGate(IConnectionMultiplexer redis, out RedisRateLimiter limiter, TimeProvider? clock = null)
    {
        limiter = new RedisRateLimiter(redis, NullLogger.Instance);
        return new RequestGate(Keys, limiter, MasterKey, requireKeys: false, clock ?? Time);
    }

    public string CreateKey(KeySpec spec)
    {
        var created = Store.Create(spec);
        Keys.Reload();
        return created.Secret;
    }

    public void Dispose()
    {
        foreach (var d in owned)
        {
            d.Dispose();
        }

        dir.Dispose();
    }
}
