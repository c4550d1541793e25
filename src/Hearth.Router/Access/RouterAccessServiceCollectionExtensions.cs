using Hearth.Router.Caching;
using Hearth.Router.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Hearth.Router.Access;

public static class RouterAccessServiceCollectionExtensions
{
    /// <summary>
    /// Registers the router's access layer as singletons: <see cref="IRequestGate"/>, <see cref="IResponseCache"/>,
    /// <see cref="IRouterRegistry"/> (also as <see cref="SqliteRouterRegistry"/>), plus <see cref="KeyStore"/>,
    /// <see cref="KeyDirectory"/>, <see cref="RouterDatabase"/> and <see cref="DatabaseWatcher"/> that the admin API uses.
    /// The database is opened and migrated when the first of them is resolved.
    /// </summary>
    public static IServiceCollection AddRouterAccess(this IServiceCollection services, RouterAccessOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        var time = options.TimeProvider;
        services.AddSingleton(options);
        services.AddSingleton(_ => RouterDatabase.Open(options.DatabasePath));
        services.AddSingleton(sp => new DatabaseWatcher(
            sp.GetRequiredService<RouterDatabase>(), time, options.ChangePollInterval, Logger<DatabaseWatcher>(sp)));
        services.AddSingleton(sp => new KeyStore(sp.GetRequiredService<RouterDatabase>(), time));
        services.AddSingleton(sp => new KeyDirectory(sp.GetRequiredService<KeyStore>(), sp.GetRequiredService<DatabaseWatcher>()));
        services.AddSingleton(sp => new SqliteRouterRegistry(sp.GetRequiredService<RouterDatabase>(), time, sp.GetRequiredService<DatabaseWatcher>()));
        services.AddSingleton<IRouterRegistry>(sp => sp.GetRequiredService<SqliteRouterRegistry>());
        if (options.RedisUrl is { } url)
        {
            var redisOptions = RedisConnection.Options(url); // a bad URL fails here, at startup, not on the first request
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redisOptions));
            services.AddSingleton<IRateLimiter>(sp => new RedisRateLimiter(sp.GetRequiredService<IConnectionMultiplexer>(), Logger<RedisRateLimiter>(sp)));
        }
        else
        {
            services.AddSingleton(sp => new BudgetLedger(sp.GetRequiredService<RouterDatabase>(), time, Logger<BudgetLedger>(sp)));
            services.AddSingleton<IRateLimiter>(sp => new InMemoryRateLimiter(sp.GetRequiredService<BudgetLedger>()));
        }

        services.AddSingleton<IRequestGate>(sp => new RequestGate(
            sp.GetRequiredService<KeyDirectory>(), sp.GetRequiredService<IRateLimiter>(), options.ResolveMasterKey(), options.RequireKeys, time));
        services.AddSingleton<IResponseCache>(sp => !options.CacheEnabled
            ? new DisabledResponseCache()
            : options.RedisUrl is null
                ? new MemoryResponseCache(options.CacheTtl, options.CacheMaxEntries, options.CacheMaxBytes, time)
                : new RedisResponseCache(sp.GetRequiredService<IConnectionMultiplexer>(), options.CacheTtl, Logger<RedisResponseCache>(sp)));
        return services;
    }

    private static ILogger Logger<T>(IServiceProvider sp) =>
        sp.GetService<ILoggerFactory>()?.CreateLogger<T>() ?? (ILogger)NullLogger.Instance;
}
