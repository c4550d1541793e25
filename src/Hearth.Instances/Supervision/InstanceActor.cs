using System.Threading.Channels;
using Hearth.Instances.Logs;
using Hearth.Instances.Model;

namespace Hearth.Instances.Supervision;

/// <summary>
/// One instance's supervisor: a single loop reading a <see cref="Channel{T}"/> of commands, so user actions, process
/// exits, health results and timers are handled one at a time and cannot race. The loop reconciles after every
/// command: desired state (persisted) versus observed state (looked at). Lifecycle code is in the partial files.
/// </summary>
internal sealed partial class InstanceActor : IAsyncDisposable
{
    private readonly SupervisorContext _ctx;
    private readonly Channel<ActorCommand> _inbox = Channel.CreateUnbounded<ActorCommand>(new UnboundedChannelOptions { SingleReader = true });
    private readonly StartLimiter _limiter;
    private readonly Task _loop;
    private readonly Lock _statusLock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private InstanceStatus _status;
    private InstanceSpec _spec;
    private DesiredState _desired;
    private InstanceState _state = InstanceState.Stopped;
    private string? _reason;
    private long _activeRequests;
    private long _lastActivityTicks;

    public InstanceActor(SupervisorContext ctx, InstanceSpec spec, DesiredState desired)
    {
        _ctx = ctx;
        _spec = spec;
        _desired = desired;
        _limiter = new StartLimiter(ctx.Options.Backoff);
        Log = new InstanceLog(Path.Combine(ctx.InstanceFolder(spec.Name), "logs"), ctx.Options.Logs, ctx.Time);
        _lastActivityTicks = ctx.Time.GetUtcNow().UtcTicks;
        _status = Snapshot();
        _loop = Task.Run(RunAsync);
    }

    public string Name => _spec.Name;

    public InstanceLog Log { get; }

    public InstanceStatus Status
    {
        get
        {
            lock (_statusLock)
            {
                return _status;
            }
        }
    }

    /// <summary>Posts a command and waits until the actor has handled it.</summary>
    public async Task SendAsync(ActorCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!_inbox.Writer.TryWrite(command))
        {
            throw new InstanceNotFoundException(Name);
        }

        await command.Done.Task.ConfigureAwait(false);
    }

    public void Post(ActorCommand command) => _inbox.Writer.TryWrite(command);

    /// <summary>Waits until the instance is ready; throws when it fails or is stopped meanwhile.</summary>
    public async Task<InstanceStatus> WaitReadyAsync(CancellationToken cancellation)
    {
        while (true)
        {
            Task changed;
            InstanceStatus status;
            lock (_statusLock)
            {
                status = _status;
                changed = _changed.Task;
            }

            switch (status.State)
            {
                case InstanceState.Ready or InstanceState.Unhealthy:
                    return status;
                case InstanceState.Failed:
                    throw new InstanceUnavailableException(Name, $"instance '{Name}' failed: {status.Reason}");
                case InstanceState.Stopped or InstanceState.Stopping when status.Desired == DesiredState.Stopped:
                    throw new InstanceUnavailableException(Name, $"instance '{Name}' was stopped" + (status.Reason is null ? "" : $": {status.Reason}"));
            }

            await changed.WaitAsync(cancellation).ConfigureAwait(false);
        }
    }

    // ---- activity, as the proxy reports it: only real requests count (see Proxy/ActivityTracker) ----

    public long ActiveRequests => Interlocked.Read(ref _activeRequests);

    public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    public void RequestStarted()
    {
        Interlocked.Increment(ref _activeRequests);
        Touch();
    }

    public void RequestEnded()
    {
        Interlocked.Decrement(ref _activeRequests);
        Touch();
    }

    public void Touch() => Interlocked.Exchange(ref _lastActivityTicks, _ctx.Time.GetUtcNow().UtcTicks);

    private async Task RunAsync()
    {
        await foreach (var command in _inbox.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                var end = await HandleAsync(command).ConfigureAwait(false);
                if (!end)
                {
                    await ReconcileAsync().ConfigureAwait(false);
                }

                command.Done.TrySetResult();
                if (end)
                {
                    _inbox.Writer.TryComplete();
                    break;
                }
            }
#pragma warning disable CA1031 // The loop must survive any one command's failure: it owns a live process.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.Note($"supervisor error: {ex.Message}");
                SetState(InstanceState.Failed, $"supervisor error: {ex.Message}");
                command.Done.TrySetException(ex);
            }
        }

        while (_inbox.Reader.TryRead(out var left))
        {
            left.Done.TrySetException(new InstanceNotFoundException(Name));
        }
    }

    private void SetState(InstanceState state, string? reason = null)
    {
        _state = state;
        _reason = reason;
        Publish();
    }

    /// <summary>Publishes a new snapshot and wakes everyone waiting for a change.</summary>
    private void Publish()
    {
        TaskCompletionSource previous;
        InstanceStatus status;
        lock (_statusLock)
        {
            status = _status = Snapshot();
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
        _ctx.Changed(status);
    }

    private InstanceStatus Snapshot() => new(
        _spec.Name, _state, _desired, _process is null ? null : _port, _process?.Pid, _restarts, _reason, _ctx.Time.GetUtcNow(), Log.CurrentRun, _spec);

    public async ValueTask DisposeAsync()
    {
        Post(new ShutdownCommand(StopProcess: true));
        await _loop.ConfigureAwait(false);
        Log.Dispose();
    }

    /// <summary>Ends the actor leaving its process running (tests simulate a supervisor crash with this).</summary>
    internal async Task AbandonAsync()
    {
        Post(new ShutdownCommand(StopProcess: false));
        await _loop.ConfigureAwait(false);
        Log.Dispose();
    }
}

/// <summary>An instance cannot serve: it failed, or was stopped while a request waited for it.</summary>
public sealed class InstanceUnavailableException : Exception
{
    public InstanceUnavailableException(string name, string message)
        : base(message) => Name = name;

    public InstanceUnavailableException()
    {
        Name = "";
    }

    public InstanceUnavailableException(string message, Exception inner)
        : base(message, inner) => Name = "";

    public string Name { get; }
}
