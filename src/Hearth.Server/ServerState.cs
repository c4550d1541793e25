using Hearth.Server.Models;
using Hearth.Server.Observability;

namespace Hearth.Server;

/// <summary>The singletons every endpoint needs, registered once in DI by <see cref="HearthServer"/>.</summary>
internal sealed class ServerState(ServerOptions options, ModelManager models, ServerMetrics metrics, TimeProvider time)
{
    public ServerOptions Options { get; } = options;

    public ModelManager Models { get; } = models;

    public ServerMetrics Metrics { get; } = metrics;

    public TimeProvider Time { get; } = time;

    public long UnixNow => Time.GetUtcNow().ToUnixTimeSeconds();
}
