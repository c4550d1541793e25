using Microsoft.Extensions.Logging;

namespace Hearth.Router.Access;

internal static partial class AccessLog
{
    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning,
        Message = "Redis is unreachable ({Reason}); rate limits fall back to this process's own counters until it is back")]
    public static partial void RedisLimiterDown(ILogger logger, string reason);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Redis is reachable again; rate limits are shared across replicas")]
    public static partial void RedisLimiterBack(ILogger logger);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "Redis response cache unavailable ({Reason}); serving without the cache")]
    public static partial void RedisCacheDown(ILogger logger, string reason);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Warning, Message = "Reloading virtual keys failed; the previous keys stay in force")]
    public static partial void KeyReloadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1305, Level = LogLevel.Warning, Message = "Writing or reading token budget usage in the router database failed; retrying on the next flush")]
    public static partial void LedgerFailed(ILogger logger, Exception exception);
}
