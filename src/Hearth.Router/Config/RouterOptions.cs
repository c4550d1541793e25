namespace Hearth.Router.Config;

/// <summary>Which API a backend speaks: OpenAI's /v1/* (Hearth, vLLM, llm-d, llama-server, hosted providers) or Ollama's native /api/*.</summary>
public enum BackendType
{
    OpenAI,
    Ollama,
}

/// <summary>Spillover order: a request tries <c>local</c> backends first, then <c>cluster</c>, then <c>external</c>.</summary>
public enum BackendTier
{
    Local,
    Cluster,
    External,
}

public enum RoutingStrategyKind
{
    RoundRobin,
    LeastBusy,
    Latency,
    SessionAffinity,
    PrefixAffinity,
    LoadAware,
}

/// <summary>The whole router configuration, as read from YAML (<see cref="RouterConfigLoader"/>) plus the environment.</summary>
public sealed class RouterOptions
{
    /// <summary>Default request body cap: 16 MiB (a long chat with images inlined as base64 fits; a runaway upload does not).</summary>
    public const long DefaultMaxBodyBytes = 16L * 1024 * 1024;

    public List<BackendOptions> Backends { get; init; } = [];

    public RoutingOptions Routing { get; init; } = new();

    /// <summary><c>fallbacks: {model: [other, models]}</c>: tried in order when every deployment of the model failed,
    /// or answered <c>context_length_exceeded</c> (list a longer-context model there).</summary>
    public Dictionary<string, List<string>> Fallbacks { get; init; } = new(StringComparer.Ordinal);

    /// <summary><c>redis</c> (or REDIS_URL): shared limits and cache across replicas; null = in-memory. Consumed by Access/ and Caching/.</summary>
    public string? Redis { get; set; }

    /// <summary><c>require_keys</c> (default false): refuse requests without a key even before any key exists.</summary>
    public bool RequireKeys { get; set; }

    public CacheOptions Cache { get; init; } = new();

    /// <summary><c>database</c> (or SQLITE_DB_PATH; default <c>$HEARTH_HOME/router.db</c>): the SQLite file for keys and the model registry.</summary>
    public string Database { get; set; } = string.Empty;

    /// <summary><c>master_key_env</c> (default HEARTH_ROUTER_MASTER_KEY): the environment variable holding the master key.</summary>
    public string MasterKeyEnv { get; set; } = "HEARTH_ROUTER_MASTER_KEY";

    /// <summary><c>max_body_bytes</c> (default 16 MiB): larger request bodies get 413.</summary>
    public long MaxBodyBytes { get; set; } = DefaultMaxBodyBytes;

    /// <summary><c>discovery_period</c> (default 60 s): how often backends without a <c>models</c> list are asked for theirs.</summary>
    public TimeSpan DiscoveryPeriod { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary><c>kubernetes_discovery</c>: ready pods matching a label selector join as backends; null = off.</summary>
    public Kubernetes.KubernetesDiscoveryOptions? KubernetesDiscovery { get; set; }

    /// <summary>Bind address (CLI <c>--host</c>, default loopback).</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port (CLI <c>--port</c>, default 4000; 0 picks a free one).</summary>
    public int Port { get; set; } = 4000;
}

public sealed class BackendOptions
{
    public string Name { get; set; } = string.Empty;

    public Uri Url { get; set; } = new("http://127.0.0.1/");

    public BackendType Type { get; set; } = BackendType.OpenAI;

    /// <summary>Models served; null = discovered from GET /v1/models (or /api/tags) and refreshed every <see cref="RouterOptions.DiscoveryPeriod"/>.</summary>
    public List<string>? Models { get; set; }

    /// <summary>Environment variable holding the upstream key (sent as Bearer). Unset: EXTERNAL_&lt;NAME&gt;_KEY when that variable exists.</summary>
    public string? ApiKeyEnv { get; set; }

    public BackendTier Tier { get; set; } = BackendTier.Local;

    public int Weight { get; set; } = 1;

    /// <summary>In-flight cap; at it the backend counts as busy and later tiers are tried first.</summary>
    public int MaxConcurrency { get; set; } = 64;

    /// <summary>An <c>openai</c> backend that also serves Ollama's /api/* itself (Hearth does; default true). False (vLLM,
    /// llama-server, hosted APIs): Ollama clients' /api/chat and /api/generate are translated to /v1/* for it.</summary>
    public bool OllamaApi { get; set; } = true;

    public HealthOptions Health { get; set; } = new();

    public TimeoutOptions Timeouts { get; set; } = new();
}

/// <summary>Active health checks: GET <see cref="Path"/> every <see cref="Period"/>; <see cref="FailureThreshold"/> failures in a row mark the backend down, one success up.</summary>
public sealed class HealthOptions
{
    /// <summary>Null = by type: <c>/health</c> for openai, <c>/api/version</c> for ollama.</summary>
    public string? Path { get; set; }

    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    public int FailureThreshold { get; set; } = 2;
}

/// <summary>Per-backend timeouts: no dead backend can stall a client longer than these.</summary>
public sealed class TimeoutOptions
{
    /// <summary>TCP connect (default 2 s).</summary>
    public TimeSpan Connect { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>From sending the request to the first body byte (default 60 s: a long prompt on a CPU engine takes a while).</summary>
    public TimeSpan FirstByte { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest silence between two chunks of a stream (default 30 s).</summary>
    public TimeSpan Idle { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class RoutingOptions
{
    public RoutingStrategyKind Strategy { get; set; } = RoutingStrategyKind.LeastBusy;

    /// <summary>Prefix affinity hashes about this many tokens of the prompt (4 characters a token), default 256.</summary>
    public int PrefixTokens { get; set; } = 256;

    /// <summary>A backend whose smoothed time to first token is over this budget counts as busy (spills to the next tier); null = no budget.</summary>
    public TimeSpan? LatencyBudget { get; set; }

    /// <summary>Most upstream attempts for one request, fallbacks included (default 3).</summary>
    public int MaxAttempts { get; set; } = 3;

    public CircuitOptions Circuit { get; set; } = new();
}

/// <summary>Passive failure counting per backend (Polly circuit breaker): over <see cref="FailureRatio"/> of at least
/// <see cref="MinimumThroughput"/> calls within <see cref="Sampling"/> fail → no traffic for <see cref="Break"/>, then one probe.</summary>
public sealed class CircuitOptions
{
    public double FailureRatio { get; set; } = 0.5;

    public int MinimumThroughput { get; set; } = 4;

    public TimeSpan Sampling { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan Break { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary><c>cache:</c> the exact-match response cache (consumed by Caching/).</summary>
public sealed class CacheOptions
{
    public bool Enabled { get; set; } = true;

    public TimeSpan Ttl { get; set; } = TimeSpan.FromMinutes(10);

    public int MaxEntries { get; set; } = 10_000;
}
