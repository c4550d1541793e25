using System.Collections.Concurrent;
using Hearth.Instances.Blueprints;
using Hearth.Instances.Logs;
using Hearth.Instances.Model;
using Hearth.Instances.Ports;
using Hearth.Instances.Processes;
using Hearth.Instances.State;

namespace Hearth.Instances.Supervision;

/// <summary>
/// Supervises every instance: owns the state database and one <see cref="InstanceActor"/> per instance, cleans up
/// what a previous (killed) supervisor left running, and runs the reconcile/idle loop. Thread-safe.
/// </summary>
public sealed class Supervisor : IAsyncDisposable
{
    private readonly SupervisorContext _ctx;
    private readonly ConcurrentDictionary<string, InstanceActor> _actors = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _mutate = new(1, 1);
    private ITimer? _timer;

    private Supervisor(SupervisorContext ctx) => _ctx = ctx;

    public SupervisorOptions Options => _ctx.Options;

    public BlueprintCatalog Blueprints => _ctx.Blueprints;

    public TimeProvider Time => _ctx.Time;

    /// <summary>Processes found left over from a previous supervisor and ended at start-up.</summary>
    public int StraysCleaned { get; private set; }

    public event Action<InstanceStatus>? StateChanged
    {
        add => _ctx.StateChanged += value;
        remove => _ctx.StateChanged -= value;
    }

    public static async Task<Supervisor> StartAsync(SupervisorOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.Home);
        var db = InstanceDatabase.Open(Path.Combine(options.Home, "instances.db"));
        var random = options.Seed is { } seed ? new Random(seed) : new Random();
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) }) { Timeout = Timeout.InfiniteTimeSpan };
        var ctx = new SupervisorContext(options, db, new BlueprintCatalog(options.BlueprintsPath), new PortAllocator(options.PortFirst, options.PortLast, random), time ?? TimeProvider.System, random, http);
        var supervisor = new Supervisor(ctx);
        await supervisor.CleanUpStraysAsync().ConfigureAwait(false);
        foreach (var (spec, desired) in db.List())
        {
            var want = spec.Autostart ? DesiredState.Running : desired;
            if (want != desired)
            {
                db.SetDesired(spec.Name, want);
            }

            supervisor._actors[spec.Name] = new InstanceActor(ctx, spec, want);
        }

        supervisor._timer = ctx.Time.CreateTimer(_ => supervisor.Tick(), null, options.ReconcilePeriod, options.ReconcilePeriod);
        foreach (var actor in supervisor._actors.Values)
        {
            actor.Post(new TickCommand());
        }

        return supervisor;
    }

    /// <summary>
    /// A supervisor killed with SIGKILL leaves its instances running with nobody reading their output. Each recorded
    /// session still alive (same start time, so not a recycled pid) is ended, double-forked members included; the
    /// reconcile loop then starts what should run, once: no orphans, no duplicates.
    /// </summary>
    private async Task CleanUpStraysAsync()
    {
        foreach (var record in _ctx.Db.Processes())
        {
            StraysCleaned += await ProcessGroups.CleanUpSessionAsync(record.Sid, record.StartTicks, TimeSpan.FromSeconds(3)).ConfigureAwait(false);
            _ctx.Db.ClearProcess(record.Name);
        }
    }

    /// <summary>Periodic pass: reconcile every actor and unload instances idle past their TTL.</summary>
    private void Tick()
    {
        var now = _ctx.Time.GetUtcNow();
        foreach (var actor in _actors.Values)
        {
            var status = actor.Status;
            var ttl = status.Spec.TtlSpan;
            if (ttl > TimeSpan.Zero && status.State == InstanceState.Ready && actor.ActiveRequests == 0 && now - actor.LastActivity >= ttl)
            {
                actor.Post(new StopCommand($"idle for {Durations.Format(ttl)}"));
            }
            else
            {
                actor.Post(new TickCommand());
            }
        }
    }

    public IReadOnlyList<InstanceStatus> List() => _actors.Values.Select(a => a.Status).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();

    public InstanceStatus Get(string name) => Actor(name).Status;

    public InstanceLog Logs(string name) => Actor(name).Log;

    internal InstanceActor Actor(string name) =>
        _actors.TryGetValue(name, out var actor) ? actor : throw new InstanceNotFoundException(name);

    public bool Exists(string name) => _actors.ContainsKey(name);

    public async Task<InstanceStatus> CreateAsync(InstanceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        await _mutate.WaitAsync().ConfigureAwait(false);
        try
        {
            Check(spec);
            if (_actors.ContainsKey(spec.Name))
            {
                throw new DuplicateInstanceException(spec.Name);
            }

            var desired = spec.Autostart ? DesiredState.Running : DesiredState.Stopped;
            _ctx.Db.Insert(spec, desired);
            var actor = new InstanceActor(_ctx, spec, desired);
            _actors[spec.Name] = actor;
            actor.Post(new TickCommand());
            return actor.Status;
        }
        finally
        {
            _mutate.Release();
        }
    }

    /// <summary>Replaces an instance's definition; a running process keeps its old one until it restarts.</summary>
    public async Task<InstanceStatus> UpdateAsync(InstanceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        await _mutate.WaitAsync().ConfigureAwait(false);
        try
        {
            Check(spec);
            var actor = Actor(spec.Name);
            _ctx.Db.Update(spec);
            await actor.SendAsync(new UpdateCommand(spec)).ConfigureAwait(false);
            return actor.Status;
        }
        finally
        {
            _mutate.Release();
        }
    }

    /// <summary>Creates or updates (an instances file is applied this way at start-up).</summary>
    public async Task<InstanceStatus> ApplyAsync(InstanceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Exists(spec.Name) ? await UpdateAsync(spec).ConfigureAwait(false) : await CreateAsync(spec).ConfigureAwait(false);
    }

    private void Check(InstanceSpec spec)
    {
        spec.Validate();
        _ = _ctx.Blueprints.Resolve(spec.Blueprint);
        if (spec.Parent is { } parent && !_actors.ContainsKey(parent))
        {
            throw new InstanceSpecException($"parent instance '{parent}' does not exist", "parent");
        }
    }

    public async Task RemoveAsync(string name)
    {
        await _mutate.WaitAsync().ConfigureAwait(false);
        try
        {
            var actor = Actor(name);
            if (_actors.Values.FirstOrDefault(a => a.Status.Spec.Parent == name) is { } satellite)
            {
                throw new InstanceSpecException($"instance '{name}' is the parent of '{satellite.Name}': remove that first", "parent");
            }

            _actors.TryRemove(name, out _);
            await actor.DisposeAsync().ConfigureAwait(false);
            _ctx.Db.Delete(name);
        }
        finally
        {
            _mutate.Release();
        }
    }

    public async Task<InstanceStatus> StartAsync(string name)
    {
        var actor = Actor(name);
        await actor.SendAsync(new StartCommand()).ConfigureAwait(false);
        return actor.Status;
    }

    public async Task<InstanceStatus> StopAsync(string name, string? reason = null)
    {
        var actor = Actor(name);
        await actor.SendAsync(new StopCommand(reason)).ConfigureAwait(false);
        return actor.Status;
    }

    public async Task<InstanceStatus> RestartAsync(string name)
    {
        var actor = Actor(name);
        await actor.SendAsync(new RestartCommand()).ConfigureAwait(false);
        return actor.Status;
    }

    /// <summary>Starts the instance if needed and waits until it is ready (the on-demand path of the proxy).</summary>
    public async Task<InstanceStatus> EnsureReadyAsync(string name, CancellationToken cancellation)
    {
        var actor = Actor(name);
        var status = actor.Status;
        if (status.IsUp)
        {
            return status;
        }

        if (status.Desired == DesiredState.Stopped || status.State == InstanceState.Failed)
        {
            await actor.SendAsync(new StartCommand()).ConfigureAwait(false);
        }

        return await actor.WaitReadyAsync(cancellation).ConfigureAwait(false);
    }

    /// <summary>The instance serving <paramref name="model"/> on the OpenAI endpoint, if any.</summary>
    public string? FindByModel(string model) =>
        _actors.Values.Select(a => a.Status.Spec).FirstOrDefault(s => s.ServedModels().Contains(model, StringComparer.Ordinal))?.Name;

    /// <summary>Stops every instance and closes the database.</summary>
    public async ValueTask DisposeAsync()
    {
        _timer?.Dispose();
        await Task.WhenAll(_actors.Values.Select(a => a.DisposeAsync().AsTask())).ConfigureAwait(false);
        _actors.Clear();
        _ctx.Db.Dispose();
        _ctx.Http.Dispose();
        _mutate.Dispose();
    }

    /// <summary>Ends supervision without stopping any process, as a SIGKILL of the supervisor would (tests only).</summary>
    internal async Task AbandonAsync()
    {
        _timer?.Dispose();
        await Task.WhenAll(_actors.Values.Select(a => a.AbandonAsync())).ConfigureAwait(false);
        _ctx.Db.Dispose();
        _ctx.Http.Dispose();
    }
}
