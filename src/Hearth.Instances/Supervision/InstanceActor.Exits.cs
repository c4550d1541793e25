using Hearth.Instances.Model;
using Hearth.Instances.Ports;
using Hearth.Instances.Processes;

namespace Hearth.Instances.Supervision;

/// <summary>What happens when a process exits or fails its checks: restart policy, backoff, start limit, new ports.</summary>
internal sealed partial class InstanceActor
{
    private async Task OnExitedAsync(int exitCode)
    {
        await CancelRunAsync().ConfigureAwait(false);
        var process = _process!;
        var wasReady = _readySince is not null;
        // The leader is gone; anything it left in its group (a double-forked child) goes with it: no orphans.
        await process.KillRemainingAsync(_ctx.Options.StopGrace).ConfigureAwait(false);
        await process.OutputDone.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        var port = _port;
        ReleaseProcess();
        Log.Note($"exited with code {exitCode}{(wasReady ? "" : " before it was ready")}");

        if (!wasReady && exitCode is 126 or 127)
        {
            // bash: 127 = command not found, 126 = not executable. Retrying cannot help.
            var last = Log.Tail(max: 3).Where(l => !l.Text.StartsWith("[hearth]", StringComparison.Ordinal)).Select(l => l.Text).LastOrDefault();
            Fail(exitCode == 127 ? $"command not found: {last}" : $"command not executable: {last}");
            return;
        }

        var portTaken = !wasReady && !PortAllocator.CanBind(port);
        // An early exit may mean the port was taken (EADDRINUSE): the next start gets another one.
        _preferredPort = wasReady ? port : null;
        await AfterFailureAsync(exitCode == 0 ? null : $"exited with code {exitCode}", cleanExit: exitCode == 0, wasReady, portTaken).ConfigureAwait(false);
    }

    private async Task OnUnhealthyAsync(UnhealthyCommand bad)
    {
        var wasReady = _readySince is not null;
        Log.Note((bad.PortTaken ? "port taken: " : "unhealthy: ") + bad.Reason);
        SetState(bad.Fatal ? InstanceState.Stopping : InstanceState.Unhealthy, bad.Reason);
        if (!bad.Fatal)
        {
            return;
        }

        var process = _process!;
        var port = _port;
        await CancelRunAsync().ConfigureAwait(false);
        await process.StopAsync(_ctx.Options.StopGrace).ConfigureAwait(false);
        await process.OutputDone.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        ReleaseProcess();
        _preferredPort = bad.PortTaken ? null : port;
        await AfterFailureAsync(bad.Reason, cleanExit: false, wasReady, bad.PortTaken).ConfigureAwait(false);
    }

    /// <summary>Restart policy: stop, fail, restart now, or wait out the backoff.</summary>
    private async Task AfterFailureAsync(string? reason, bool cleanExit, bool wasReady, bool portTaken)
    {
        var now = _ctx.Time.GetUtcNow();
        if (_desired == DesiredState.Stopped)
        {
            SetState(InstanceState.Stopped, reason);
            return;
        }

        var restart = portTaken || _spec.Restart switch
        {
            RestartPolicy.Always => true,
            RestartPolicy.OnFailure => !cleanExit,
            _ => false,
        };
        if (!restart)
        {
            SetDesired(DesiredState.Stopped);
            if (cleanExit)
            {
                SetState(InstanceState.Stopped, "exited with code 0");
            }
            else
            {
                Fail(reason ?? "exited");
            }

            return;
        }

        // Healthy long enough: this failure starts a new series (immediate restart again).
        if (wasReady && _readySince is { } since && now - since >= _ctx.Options.Backoff.ResetAfter)
        {
            _failures = 0;
        }

        _restartPending = true;
        // A port conflict is not the program's fault: retry at once on another port (the start limit still applies).
        var delay = portTaken ? TimeSpan.Zero : Backoff.Delay(++_failures, _ctx.Options.Backoff, _ctx.Random);
        if (delay <= TimeSpan.Zero)
        {
            Log.Note(portTaken ? "restarting on another port" : "restarting now");
            SetState(InstanceState.Stopped, reason);
            await StartAsync().ConfigureAwait(false);
            return;
        }

        _backoffUntil = now + delay;
        Log.Note($"restarting in {delay.TotalSeconds:0.#}s (failure {_failures})");
        SetState(InstanceState.Backoff, reason);
        _backoffTimer?.Dispose();
        _backoffTimer = _ctx.Time.CreateTimer(_ => Post(new TickCommand()), null, delay, Timeout.InfiniteTimeSpan);
    }
}
