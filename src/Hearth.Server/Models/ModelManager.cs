using Hearth.Server.Errors;
using Hearth.Server.Inference;
using Hearth.Server.Observability;
using Microsoft.Extensions.Logging;

namespace Hearth.Server.Models;

/// <summary>Loading policy: how many models, how long they stay, how each scheduler is sized.</summary>
internal sealed record ModelManagerOptions
{
    public int Parallel { get; init; } = 4;

    /// <summary>Context per sequence; null = the model's own, capped at <see cref="DefaultContextCap"/>.</summary>
    public int? ContextLength { get; init; }

    public int? Threads { get; init; }

    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromMinutes(5);

    public int MaxLoadedModels { get; init; } = 2;

    public int QueueCapacity { get; init; } = 64;

    public int MaxBatchTokens { get; init; } = 512;

    public int PrefillChunk { get; init; } = 64;

    /// <summary>A chat template used instead of each file's (<see cref="ServerOptions.ChatTemplate"/>).</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Per-model templates by model name, winning over <see cref="ChatTemplate"/> (<see cref="ServerOptions.ModelChatTemplates"/>).</summary>
    public IReadOnlyDictionary<string, string> ModelChatTemplates { get; init; } = new Dictionary<string, string>();

    /// <summary>Per-model defaults by model name (<see cref="ServerOptions.ModelDefaults"/>); their context wins over <see cref="ContextLength"/>.</summary>
    public IReadOnlyDictionary<string, ModelDefaults> ModelDefaults { get; init; } = new Dictionary<string, ModelDefaults>();

    /// <summary>Default cap on the per-sequence context: 4096 tokens x 4 slots keeps a 1B model's F16 KV cache near 0.5 GiB.</summary>
    public const int DefaultContextCap = 4096;
}

/// <summary>
/// Loads models lazily on first use, shares one loaded instance (and its scheduler) among all
/// requests for it, and unloads it when it has been idle for its keep-alive (injected TimeProvider
/// timers, so tests advance time instead of sleeping). At most <see cref="ModelManagerOptions.MaxLoadedModels"/>
/// stay loaded: loading another evicts the least recently used idle one.
/// </summary>
internal sealed partial class ModelManager : IDisposable
{
    private readonly ModelResolver resolver;
    private readonly IInferenceModelLoader loader;
    private readonly ITokenSamplerFactory samplers;
    private readonly ModelManagerOptions options;
    private readonly Func<ServerMetrics> metrics;
    private readonly ILoggerFactory loggers;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly Dictionary<string, Entry> models = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private long useCounter;
    private bool disposed;

    public ModelManager(
        ModelResolver resolver,
        IInferenceModelLoader loader,
        ITokenSamplerFactory samplers,
        ModelManagerOptions options,
        Func<ServerMetrics> metrics,
        ILoggerFactory loggers,
        TimeProvider time)
    {
        this.resolver = resolver;
        this.loader = loader;
        this.samplers = samplers;
        this.options = options;
        this.metrics = metrics;
        this.loggers = loggers;
        logger = loggers.CreateLogger<ModelManager>();
        this.time = time;
    }

    public ModelResolver Resolver => resolver;

    public TimeSpan DefaultKeepAlive => options.KeepAlive;

    /// <summary>The defaults of the model a request names (null name = the default model); null when it has none or is unknown
    /// (the request then fails in <see cref="AcquireAsync"/>). Looked up before loading, so the request is validated first.</summary>
    public ModelDefaults? DefaultsFor(string? name) =>
        options.ModelDefaults.Count == 0 || resolver.Resolve(name) is not { } entry ? null : options.ModelDefaults.GetValueOrDefault(entry.Name);

    /// <summary>True while any model is being loaded (/health answers 503 then).</summary>
    public bool IsLoading
    {
        get
        {
            lock (gate)
            {
                return models.Values.Any(e => !e.Loading.IsCompleted);
            }
        }
    }

    /// <summary>Queue depth, active slots and loaded models summed over all schedulers (for metrics).</summary>
    public (int QueueDepth, int ActiveSlots, int LoadedModels) State()
    {
        lock (gate)
        {
            var loaded = models.Values.Where(e => e.Loading.IsCompletedSuccessfully).Select(e => e.Loading.Result).ToList();
            return (loaded.Sum(m => m.Scheduler.QueueDepth), loaded.Sum(m => m.Scheduler.ActiveCount), loaded.Count);
        }
    }

    /// <summary>Resolves and (if needed) loads a model; the lease keeps it loaded until disposed.</summary>
    /// <param name="keepAlive">How long the model stays after this request: null = keep its current setting, zero = unload
    /// when idle, negative = forever.</param>
    public async Task<ModelLease> AcquireAsync(string? name, TimeSpan? keepAlive, CancellationToken cancellation)
    {
        var catalogEntry = resolver.Resolve(name) ?? throw ApiException.ModelNotFound(name ?? string.Empty);
        Entry entry;
        List<LoadedModel> evicted = [];
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!models.TryGetValue(catalogEntry.Path, out entry!))
            {
                evicted = EvictForNewModel();
                entry = new Entry(catalogEntry, options.KeepAlive);
                entry.Loading = Task.Run(() => Load(catalogEntry), CancellationToken.None);
                models[catalogEntry.Path] = entry;
            }

            entry.References++;
            entry.LastUsed = ++useCounter;
            entry.Expiry?.Dispose();
            entry.Expiry = null;
            if (keepAlive is TimeSpan k)
            {
                entry.KeepAlive = k;
            }
        }

        foreach (var model in evicted)
        {
            Unload(model, "evicted");
        }

        try
        {
            var loaded = await entry.Loading.WaitAsync(cancellation).ConfigureAwait(false);
            return new ModelLease(this, entry, loaded);
        }
        catch
        {
            Release(entry);
            throw;
        }
    }

    /// <summary>Loaded models for /api/ps with the time each will be unloaded (null = never).</summary>
    public IReadOnlyList<(LoadedModel Model, DateTimeOffset? ExpiresAt)> Loaded()
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            return models.Values.Where(e => e.Loading.IsCompletedSuccessfully)
                .Select(e => (e.Loading.Result, e.KeepAlive < TimeSpan.Zero ? (DateTimeOffset?)null
                    : e.References > 0 ? now + e.KeepAlive : e.ExpiresAt))
                .ToList();
        }
    }

    /// <summary>Unloads a model now if nobody uses it (Ollama: keep_alive 0 with an empty prompt).</summary>
    public bool TryUnloadIdle(string path)
    {
        LoadedModel? model = null;
        lock (gate)
        {
            if (models.TryGetValue(path, out var e) && e.References == 0 && e.Loading.IsCompletedSuccessfully)
            {
                models.Remove(path);
                e.Expiry?.Dispose();
                model = e.Loading.Result;
            }
        }

        if (model is null)
        {
            return false;
        }

        Unload(model, "requested");
        return true;
    }

    public void Dispose()
    {
        List<Entry> all;
        lock (gate)
        {
            disposed = true;
            all = [.. models.Values];
            models.Clear();
        }

        foreach (var e in all)
        {
            e.Expiry?.Dispose();
            if (e.Loading.IsCompletedSuccessfully)
            {
                Unload(e.Loading.Result, "shutdown");
            }
        }
    }

    private void Release(Entry entry)
    {
        LoadedModel? unload = null;
        lock (gate)
        {
            entry.References--;
            if (entry.References > 0 || disposed)
            {
                return;
            }

            if (!entry.Loading.IsCompletedSuccessfully)
            {
                if (entry.Loading.IsCompleted && models.TryGetValue(entry.Catalog.Path, out var current) && current == entry)
                {
                    models.Remove(entry.Catalog.Path); // a failed load is retried by the next request
                }

                return;
            }

            if (entry.KeepAlive == TimeSpan.Zero)
            {
                models.Remove(entry.Catalog.Path);
                unload = entry.Loading.Result;
            }
            else if (entry.KeepAlive > TimeSpan.Zero)
            {
                entry.ExpiresAt = time.GetUtcNow() + entry.KeepAlive;
                entry.Expiry = time.CreateTimer(_ => Expire(entry), null, entry.KeepAlive, Timeout.InfiniteTimeSpan);
            }
        }

        if (unload is not null)
        {
            Unload(unload, "keep_alive 0");
        }
    }

    private void Expire(Entry entry)
    {
        lock (gate)
        {
            if (entry.References > 0 || entry.ExpiresAt is not DateTimeOffset at || time.GetUtcNow() < at
                || !models.TryGetValue(entry.Catalog.Path, out var current) || current != entry)
            {
                return;
            }

            models.Remove(entry.Catalog.Path);
            entry.Expiry?.Dispose();
            entry.Expiry = null;
        }

        Unload(entry.Loading.Result, "idle");
    }

    /// <summary>Called under the lock: frees room for one more model, or refuses when every loaded model is busy.</summary>
    private List<LoadedModel> EvictForNewModel()
    {
        var evicted = new List<LoadedModel>();
        while (models.Count >= options.MaxLoadedModels)
        {
            var idle = models.Values.Where(e => e.References == 0 && e.Loading.IsCompleted).MinBy(e => e.LastUsed)
                ?? throw ApiException.Busy($"{models.Count} models are loaded and busy (limit {options.MaxLoadedModels}); retry later.", 5);
            models.Remove(idle.Catalog.Path);
            idle.Expiry?.Dispose();
            if (idle.Loading.IsCompletedSuccessfully)
            {
                evicted.Add(idle.Loading.Result);
            }
        }

        return evicted;
    }

    private LoadedModel Load(CatalogEntry entry)
    {
        var started = time.GetTimestamp();
        LogLoading(logger, entry.Name, entry.Path);
        var contextLength = options.ModelDefaults.GetValueOrDefault(entry.Name)?.ContextLength ?? options.ContextLength;
        var model = loader.Load(entry.Path, new ModelLoadSettings(options.Threads, contextLength,
            options.ModelChatTemplates.GetValueOrDefault(entry.Name) ?? options.ChatTemplate));
        try
        {
            var context = Math.Min(contextLength ?? ModelManagerOptions.DefaultContextCap, model.ContextLength);
            var scheduler = new BatchScheduler(
                entry.Name,
                model,
                samplers,
                new SchedulerOptions(options.Parallel, context, options.QueueCapacity, Math.Max(options.MaxBatchTokens, options.Parallel), options.PrefillChunk),
                metrics(),
                loggers.CreateLogger<BatchScheduler>(),
                time);
            var elapsed = time.GetElapsedTime(started);
            LogLoaded(logger, entry.Name, elapsed.TotalMilliseconds, context, options.Parallel);
            return new LoadedModel(entry, model, scheduler, elapsed);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private void Unload(LoadedModel model, string reason)
    {
        model.Scheduler.Dispose();
        model.Model.Dispose();
        LogUnloaded(logger, model.Catalog.Name, reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading model {Model} from {Path}")]
    private static partial void LogLoading(ILogger logger, string model, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded model {Model} in {Milliseconds:F0} ms (context {Context} per sequence, {Slots} slots)")]
    private static partial void LogLoaded(ILogger logger, string model, double milliseconds, int context, int slots);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unloaded model {Model} ({Reason})")]
    private static partial void LogUnloaded(ILogger logger, string model, string reason);

    internal sealed class Entry(CatalogEntry catalog, TimeSpan keepAlive)
    {
        public CatalogEntry Catalog { get; } = catalog;

        public Task<LoadedModel> Loading { get; set; } = null!;

        public int References { get; set; }

        public long LastUsed { get; set; }

        public TimeSpan KeepAlive { get; set; } = keepAlive;

        public DateTimeOffset? ExpiresAt { get; set; }

        public ITimer? Expiry { get; set; }
    }

    /// <summary>Keeps a model loaded while a request uses it.</summary>
    internal sealed class ModelLease(ModelManager owner, Entry entry, LoadedModel model) : IDisposable
    {
        private int disposed;

        public LoadedModel Model { get; } = model;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                owner.Release(entry);
            }
        }
    }
}

/// <summary>A model in memory with its scheduler.</summary>
internal sealed record LoadedModel(CatalogEntry Catalog, IInferenceModel Model, BatchScheduler Scheduler, TimeSpan LoadDuration)
{
    public string Name => Catalog.Name;
}
