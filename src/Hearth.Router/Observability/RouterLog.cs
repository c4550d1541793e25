using Microsoft.Extensions.Logging;

namespace Hearth.Router.Observability;

/// <summary>Every log line the router writes (source-generated: no boxing or formatting unless the level is on).</summary>
internal static partial class RouterLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Backend} is down: {Reason}")]
    public static partial void BackendDown(ILogger logger, string backend, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Backend} is up")]
    public static partial void BackendUp(ILogger logger, string backend);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Backend}: circuit opened for {Seconds} s after repeated failures")]
    public static partial void CircuitOpened(ILogger logger, string backend, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Route} {Model}: backend {Backend} failed before the first byte ({Reason}); trying the next")]
    public static partial void AttemptFailed(ILogger logger, string route, string model, string backend, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Route} {Model}: backend {Backend} stream cut after it started ({Reason})")]
    public static partial void StreamCut(ILogger logger, string route, string model, string backend, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Route}: model {Model} falls back to {Fallback}")]
    public static partial void FellBack(ILogger logger, string route, string model, string fallback);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Backend}: model discovery failed: {Reason}")]
    public static partial void DiscoveryFailed(ILogger logger, string backend, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Backend} serves {Models}")]
    public static partial void Discovered(ILogger logger, string backend, string models);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Route}: the router failed on a request")]
    public static partial void Failed(ILogger logger, Exception error, string route);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Route}: {Status} {Message}")]
    public static partial void Refused(ILogger logger, string route, int status, string message);
}
