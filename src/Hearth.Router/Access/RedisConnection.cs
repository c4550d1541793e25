using StackExchange.Redis;

namespace Hearth.Router.Access;

/// <summary>Turns the config's <c>redis://[user:password@]host[:port][/db]</c> (or a StackExchange.Redis
/// configuration string) into options tuned for a router: start even when Redis is down, fail fast
/// instead of queueing while it is down, and give up on a command within a second.</summary>
public static class RedisConnection
{
    public static ConfigurationOptions Options(string url)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        ConfigurationOptions options;
        if (url.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            {
                throw new ArgumentException($"not a redis URL: {url}", nameof(url));
            }

            options = new ConfigurationOptions { Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase) };
            options.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);
            if (uri.UserInfo.Length > 0)
            {
                var parts = uri.UserInfo.Split(':', 2);
                if (parts.Length == 2)
                {
                    options.User = parts[0].Length > 0 ? Uri.UnescapeDataString(parts[0]) : null;
                    options.Password = Uri.UnescapeDataString(parts[1]);
                }
                else
                {
                    options.Password = Uri.UnescapeDataString(parts[0]);
                }
            }

            var path = uri.AbsolutePath.Trim('/');
            if (path.Length > 0 && int.TryParse(path, out var db))
            {
                options.DefaultDatabase = db;
            }
        }
        else
        {
            options = ConfigurationOptions.Parse(url);
        }

        options.AbortOnConnectFail = false;      // the router starts (and serves, with local limits) while Redis is down
        options.BacklogPolicy = BacklogPolicy.FailFast; // no queueing behind a dead connection: fall back at once
        options.ConnectTimeout = 1000;
        options.AsyncTimeout = 1000;
        options.SyncTimeout = 1000;
        options.ConnectRetry = 1;
        options.ReconnectRetryPolicy = new LinearRetry(1000); // back within about a second of Redis returning
        return options;
    }

    public static IConnectionMultiplexer Connect(string url) => ConnectionMultiplexer.Connect(Options(url));
}
