using Microsoft.AspNetCore.Builder;

namespace Hearth.Cli;

/// <summary>What every long-running command (serve, router, up) does once its host has started.</summary>
internal static class CommandHost
{
    /// <summary>
    /// Waits for Ctrl+C / SIGTERM, which arrive either as the command's cancellation or as the host's own stop
    /// request (its console lifetime also listens for them), then stops the host: stop accepting, finish, unload.
    /// </summary>
    public static async Task RunUntilStoppedAsync(WebApplication app, CancellationToken cancellation)
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (cancellation.Register(() => stop.TrySetResult()))
        using (app.Lifetime.ApplicationStopping.Register(() => stop.TrySetResult()))
        {
            await stop.Task.ConfigureAwait(false);
        }

        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
