using Hearth.Instances.Model;
using Hearth.Instances.Processes;

namespace Hearth.Instances.Supervision;

/// <summary>Readiness (within the start budget) and liveness (a period, N failures) checks; they only post results.</summary>
internal sealed partial class InstanceActor
{
    private async Task ReadinessAsync(int run, HealthCheck check, RunningProcess process, int port, long seqAtStart, CancellationToken cancellation)
    {
        try
        {
            using var budget = new CancellationTokenSource(_spec.StartTimeoutSpan, _ctx.Time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, budget.Token);
            try
            {
                var reached = check.Kind switch
                {
                    HealthKind.None => true,
                    HealthKind.Log => await WaitForLogAsync(check, seqAtStart, linked.Token).ConfigureAwait(false),
                    _ => await PollAsync(check, process, port, linked.Token).ConfigureAwait(false),
                };
                if (!reached)
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellation.IsCancellationRequested)
            {
                Post(new UnhealthyCommand(run, $"not ready within the start timeout ({Durations.Format(_spec.StartTimeoutSpan)}, check {check})", Fatal: true));
                return;
            }

            // Something answers on the port. Make sure it is our process, not a foreign listener that got there first.
            if (check.Kind is HealthKind.Http or HealthKind.Tcp && !PortOwnership.SessionListensOn(process.Pgid, process.StartTicks, port))
            {
                Post(new UnhealthyCommand(run, $"port {port} is answered by another process", Fatal: true, PortTaken: true));
                return;
            }

            Post(new ReadyCommand(run));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<bool> PollAsync(HealthCheck check, RunningProcess process, int port, CancellationToken cancellation)
    {
        while (!process.Exited.IsCompleted)
        {
            if (await HealthProbe.CheckAsync(check, port, _ctx.Http, _ctx.Options.CheckTimeout, cancellation).ConfigureAwait(false) is null)
            {
                return true;
            }

            await Task.Delay(_ctx.Options.ReadinessPeriod, cancellation).ConfigureAwait(false);
        }

        return false;
    }

    private async Task<bool> WaitForLogAsync(HealthCheck check, long seqAtStart, CancellationToken cancellation)
    {
        var lines = Log.Subscribe(seqAtStart, cancellation);
        while (true)
        {
            try
            {
                await foreach (var line in lines.ReadAllAsync(cancellation).ConfigureAwait(false))
                {
                    seqAtStart = line.Seq;
                    if (!line.Text.StartsWith("[hearth]", StringComparison.Ordinal) && check.Pattern!.IsMatch(line.Text))
                    {
                        return true;
                    }
                }

                return false;
            }
            catch (Logs.LogLagException)
            {
                lines = Log.Subscribe(seqAtStart, cancellation);
            }
        }
    }

    private void StartLiveness(int run)
    {
        var check = HealthCheck.Parse(_spec.Health ?? _ctx.Blueprints.Resolve(_spec.Blueprint).Health);
        var probe = ProbeRequest.Parse(_spec.Probe);
        var token = _runCts!.Token;
        var port = _port;
        if (check.Kind is HealthKind.Http or HealthKind.Tcp)
        {
            _ = Task.Run(() => LivenessAsync(run, check, port, token));
        }

        if (probe is not null)
        {
            _ = Task.Run(() => ProbeLoopAsync(run, probe, port, token));
        }
    }

    private async Task LivenessAsync(int run, HealthCheck check, int port, CancellationToken cancellation)
    {
        var failures = 0;
        try
        {
            while (true)
            {
                await Task.Delay(_ctx.Options.LivenessPeriod, _ctx.Time, cancellation).ConfigureAwait(false);
                var error = await HealthProbe.CheckAsync(check, port, _ctx.Http, _ctx.Options.CheckTimeout, cancellation, liveness: true).ConfigureAwait(false);
                failures = error is null ? 0 : failures + 1;
                if (error is not null)
                {
                    var fatal = failures >= _ctx.Options.LivenessFailures;
                    Post(new UnhealthyCommand(run, $"liveness: {error} ({failures} in a row)", fatal));
                    if (fatal)
                    {
                        return;
                    }
                }
                else if (_state == InstanceState.Unhealthy)
                {
                    Post(new ReadyCommand(run));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ProbeLoopAsync(int run, ProbeRequest probe, int port, CancellationToken cancellation)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_ctx.Options.ProbePeriod, _ctx.Time, cancellation).ConfigureAwait(false);
                var error = await HealthProbe.ProbeAsync(probe, port, _ctx.Http, _ctx.Options.ProbeTimeout, cancellation).ConfigureAwait(false);
                if (error is not null)
                {
                    Post(new UnhealthyCommand(run, error, Fatal: true));
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
