using Hearth.Instances.Model;
using Hearth.Instances.Processes;
using Hearth.Instances.State;

namespace Hearth.Instances.Supervision;

/// <summary>Commands, reconcile, and exits: the lifecycle of <see cref="InstanceActor"/>.</summary>
internal sealed partial class InstanceActor
{
    private const string InstalledMarker = ".hearth-installed";
    private RunningProcess? _process;
    private bool _installing;
    private int _port;
    private int? _preferredPort;
    private int _restarts;
    private int _failures;
    private bool _restartPending;
    private DateTimeOffset? _readySince;
    private DateTimeOffset _backoffUntil;
    private ITimer? _backoffTimer;
    private CancellationTokenSource? _runCts;

    private async Task<bool> HandleAsync(ActorCommand command)
    {
        switch (command)
        {
            case StartCommand:
                // A start asked for (user, API, on-demand request) begins a new series: the start limit and backoff
                // count automatic restarts only, so an instance loaded and unloaded often is never failed for it.
                if (_desired == DesiredState.Stopped || _state == InstanceState.Failed)
                {
                    ResetFailures();
                }

                if (_state == InstanceState.Failed)
                {
                    SetState(InstanceState.Stopped);
                }

                SetDesired(DesiredState.Running);
                break;
            case StopCommand stop:
                SetDesired(DesiredState.Stopped);
                if (stop.Reason is not null && _process is not null)
                {
                    Log.Note($"stopping: {stop.Reason}");
                }

                await StopProcessAsync(stop.Reason).ConfigureAwait(false);
                break;
            case RestartCommand:
                ResetFailures();
                await StopProcessAsync("restart").ConfigureAwait(false);
                SetDesired(DesiredState.Running);
                break;
            case UpdateCommand update:
                _spec = update.Spec;
                Publish();
                break;
            case ShutdownCommand shutdown:
                _backoffTimer?.Dispose();
                if (shutdown.StopProcess)
                {
                    await StopProcessAsync(null).ConfigureAwait(false);
                }
                else
                {
                    await CancelRunAsync().ConfigureAwait(false);
                }

                return true;
            case ExitedCommand exited when exited.Run == Log.CurrentRun && _process is not null && !_installing:
                await OnExitedAsync(exited.ExitCode).ConfigureAwait(false);
                break;
            case InstalledCommand installed when installed.Run == Log.CurrentRun && _installing:
                await OnInstalledAsync(installed.ExitCode).ConfigureAwait(false);
                break;
            case ReadyCommand ready when ready.Run == Log.CurrentRun && _state == InstanceState.Starting:
                _readySince = _ctx.Time.GetUtcNow();
                Touch(); // the idle clock starts at readiness
                Log.Note($"ready on port {_port}");
                SetState(InstanceState.Ready);
                StartLiveness(ready.Run);
                break;
            case ReadyCommand ready when ready.Run == Log.CurrentRun && _state == InstanceState.Unhealthy:
                Log.Note("healthy again");
                SetState(InstanceState.Ready);
                break;
            case UnhealthyCommand bad when bad.Run == Log.CurrentRun && _process is not null && !_installing:
                await OnUnhealthyAsync(bad).ConfigureAwait(false);
                break;
        }

        return false;
    }

    private void SetDesired(DesiredState desired)
    {
        if (_desired != desired)
        {
            _desired = desired;
            _ctx.Db.SetDesired(Name, desired);
            Publish();
        }
    }

    private void ResetFailures()
    {
        _restartPending = false;
        _limiter.Reset();
        _failures = 0;
        _backoffTimer?.Dispose();
        _backoffTimer = null;
    }

    /// <summary>Moves observed state toward desired state; runs after every command.</summary>
    private async Task ReconcileAsync()
    {
        if (_desired == DesiredState.Running)
        {
            if (_state == InstanceState.Stopped
                || (_state == InstanceState.Backoff && _ctx.Time.GetUtcNow() >= _backoffUntil))
            {
                await StartAsync().ConfigureAwait(false);
            }
        }
        else if (_state == InstanceState.Backoff)
        {
            _backoffTimer?.Dispose();
            SetState(InstanceState.Stopped);
        }
        else if (_process is not null)
        {
            await StopProcessAsync(null).ConfigureAwait(false);
        }
    }

    private async Task StartAsync()
    {
        var blueprint = _ctx.Blueprints.Resolve(_spec.Blueprint);
        var work = WorkFolder();
        Directory.CreateDirectory(work);
        var planNoPort = LaunchPlanner.Plan(_spec, blueprint, 0, _ctx.HearthCommand);
        if (planNoPort.InstallScript is not null && !File.Exists(Path.Combine(work, InstalledMarker)))
        {
            await InstallAsync(planNoPort.InstallScript, work).ConfigureAwait(false);
            return;
        }

        if (!_limiter.TryStart(_ctx.Time.GetUtcNow()))
        {
            var b = _ctx.Options.Backoff;
            Fail($"start limit reached: {b.StartLimit} starts within {Durations.Format(b.StartWindow)}; start it again to reset");
            return;
        }

        int port;
        try
        {
            port = _ctx.Ports.Allocate(_preferredPort);
        }
        catch (InvalidOperationException ex)
        {
            Fail(ex.Message);
            return;
        }

        var plan = LaunchPlanner.Plan(_spec, blueprint, port, _ctx.HearthCommand);
        if (!TryBuildEnvironment(plan, port, out var env, out var envError))
        {
            _ctx.Ports.Release(port);
            Fail(envError);
            return;
        }

        var run = Log.BeginRun();
        Log.Note($"run {run}: starting on port {port}: {plan.Script}");
        var seqAtStart = Log.LastSeq;
        try
        {
            _process = ProcessLauncher.Start(new LaunchRequest(plan.Script, work, env, b => Log.Write(b.Span)));
        }
        catch (InvalidOperationException ex)
        {
            _ctx.Ports.Release(port);
            Fail(ex.Message);
            return;
        }

        _port = port;
        _readySince = null;
        if (_restartPending)
        {
            _restarts++;
            _restartPending = false;
        }

        _ctx.Db.SaveProcess(new ProcessRecord(Name, _process.Pid, _process.Pgid, _process.StartTicks, port, run, _ctx.Time.GetUtcNow()));
        SetState(InstanceState.Starting);
        var process = _process;
        _ = process.Exited.ContinueWith(t => Post(new ExitedCommand(run, t.Result)), TaskScheduler.Default);
        _runCts = new CancellationTokenSource();
        _ = Task.Run(() => ReadinessAsync(run, plan.Health, process, port, seqAtStart, _runCts.Token));
    }

    private async Task InstallAsync(string script, string work)
    {
        var run = Log.BeginRun();
        Log.Note($"run {run}: installing: {script}");
        _installing = true;
        SetState(InstanceState.Installing);
        try
        {
            _process = ProcessLauncher.Start(new LaunchRequest(script, work, BaseEnvironment(), b => Log.Write(b.Span)));
        }
        catch (InvalidOperationException ex)
        {
            _installing = false;
            Fail("install could not start: " + ex.Message);
            return;
        }

        _ctx.Db.SaveProcess(new ProcessRecord(Name, _process.Pid, _process.Pgid, _process.StartTicks, 0, run, _ctx.Time.GetUtcNow()));
        _ = _process.Exited.ContinueWith(t => Post(new InstalledCommand(run, t.Result)), TaskScheduler.Default);
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private async Task OnInstalledAsync(int exitCode)
    {
        var process = _process!;
        await process.KillRemainingAsync(_ctx.Options.StopGrace).ConfigureAwait(false);
        await process.OutputDone.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        process.Dispose();
        _process = null;
        _installing = false;
        _ctx.Db.ClearProcess(Name);
        if (exitCode != 0)
        {
            Log.Note($"install failed with exit code {exitCode}");
            Fail($"install failed (exit code {exitCode}); its output is in the logs");
            return;
        }

        Log.Note("install done");
        await File.WriteAllTextAsync(Path.Combine(WorkFolder(), InstalledMarker), _ctx.Time.GetUtcNow().ToString("O")).ConfigureAwait(false);
        SetState(InstanceState.Stopped);
    }

    private string WorkFolder() => Path.Combine(_ctx.InstanceFolder(_spec.Parent ?? _spec.Name), "work");

    private Dictionary<string, string> BaseEnvironment() => new(StringComparer.Ordinal)
    {
        ["HEARTH_INSTANCE"] = Name,
        ["HEARTH_INSTANCE_DIR"] = WorkFolder(),
    };

    private bool TryBuildEnvironment(LaunchPlan plan, int port, out Dictionary<string, string> env, out string error)
    {
        env = BaseEnvironment();
        error = "";
        foreach (var (key, value) in _spec.Env)
        {
            env[key] = value;
        }

        foreach (var (key, source) in _spec.Secrets)
        {
            // Secrets are stored by reference only: the database never holds their values.
            var value = Environment.GetEnvironmentVariable(source);
            if (value is null)
            {
                error = $"secret {key} refers to environment variable {source}, which is not set";
                return false;
            }

            env[key] = value;
        }

        if (_spec.Gpu is { } gpu)
        {
            env["CUDA_VISIBLE_DEVICES"] = gpu;
        }

        env[plan.PortEnv] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["PORT"] = env[plan.PortEnv];
        return true;
    }

    private void Fail(string reason)
    {
        Log.Note("failed: " + reason);
        SetState(InstanceState.Failed, reason);
    }

    private async Task CancelRunAsync()
    {
        if (_runCts is { } cts)
        {
            _runCts = null;
            await cts.CancelAsync().ConfigureAwait(false);
            cts.Dispose();
        }
    }

    /// <summary>Stops the running process (TERM the group, KILL after the grace period) and waits for it.</summary>
    private async Task StopProcessAsync(string? reason)
    {
        _backoffTimer?.Dispose();
        _backoffTimer = null;
        await CancelRunAsync().ConfigureAwait(false);
        if (_process is not { } process)
        {
            if (_state is InstanceState.Backoff or InstanceState.Starting or InstanceState.Ready or InstanceState.Unhealthy)
            {
                SetState(InstanceState.Stopped, reason);
            }

            return;
        }

        SetState(InstanceState.Stopping, reason);
        await process.StopAsync(_ctx.Options.StopGrace).ConfigureAwait(false);
        var code = process.Exited.IsCompleted ? await process.Exited.ConfigureAwait(false) : -1;
        await process.OutputDone.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        Log.Note($"stopped (exit code {code})");
        ReleaseProcess();
        _installing = false;
        SetState(InstanceState.Stopped, reason);
    }

    private void ReleaseProcess()
    {
        if (_process is { } p)
        {
            p.Dispose();
            _process = null;
            _ctx.Ports.Release(_port);
            _ctx.Db.ClearProcess(Name);
        }
    }
}
