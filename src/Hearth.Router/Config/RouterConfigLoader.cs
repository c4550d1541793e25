using Hearth.Router.Kubernetes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Hearth.Router.Config;

/// <summary>
/// Reads router.yaml into <see cref="RouterOptions"/>. The representation model (not the object deserializer)
/// keeps every node's line:column, so all errors are collected and reported together with their place.
/// The environment fills what the file leaves out: REDIS_URL, SQLITE_DB_PATH, LLMD_ENDPOINT (one more
/// <c>openai</c> backend of tier <c>cluster</c>), EXTERNAL_&lt;NAME&gt;_KEY (a backend's upstream key).
/// </summary>
public static class RouterConfigLoader
{
    public static RouterOptions LoadFile(string path, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var text = File.ReadAllText(path);
        return Load(text, path, environment);
    }

    public static RouterOptions Load(string yaml, string source = "router.yaml", Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var env = environment ?? Environment.GetEnvironmentVariable;
        var r = new YamlReader();
        var options = new RouterOptions();
        YamlNode? root = null;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null;
        }
        catch (YamlException e)
        {
            r.Errors.Add(new ConfigError("(document)", (int)e.Start.Line, (int)e.Start.Column, e.InnerException?.Message ?? e.Message));
        }

        if (root is not null)
        {
            r.Mapping(root, string.Empty, new Dictionary<string, Action<YamlNode, string>>
            {
                ["backends"] = (n, p) =>
                {
                    foreach (var (item, itemPath) in r.Sequence(n, p))
                    {
                        options.Backends.Add(ReadBackend(r, item, itemPath));
                    }
                },
                ["routing"] = (n, p) => ReadRouting(r, n, p, options.Routing),
                ["fallbacks"] = (n, p) => ReadFallbacks(r, n, p, options.Fallbacks),
                ["redis"] = (n, p) => options.Redis = r.String(n, p),
                ["require_keys"] = (n, p) => options.RequireKeys = r.Bool(n, p) ?? false,
                ["cache"] = (n, p) => ReadCache(r, n, p, options.Cache),
                ["database"] = (n, p) => options.Database = r.String(n, p) ?? string.Empty,
                ["master_key_env"] = (n, p) => options.MasterKeyEnv = r.String(n, p) ?? options.MasterKeyEnv,
                ["max_body_bytes"] = (n, p) => options.MaxBodyBytes = r.Long(n, p, 1024) ?? options.MaxBodyBytes,
                ["discovery_period"] = (n, p) => options.DiscoveryPeriod = r.Duration(n, p) ?? options.DiscoveryPeriod,
                ["kubernetes_discovery"] = (n, p) => options.KubernetesDiscovery = ReadKubernetesDiscovery(r, n, p),
            });
        }

        ApplyEnvironment(options, env);
        Validate(r, options, root);
        if (r.Errors.Count > 0)
        {
            throw new RouterConfigException(source, r.Errors);
        }

        return options;
    }

    /// <summary>The upstream key of a backend: its <c>api_key_env</c>, else EXTERNAL_&lt;NAME&gt;_KEY when set; null = send none.</summary>
    public static string? UpstreamKey(BackendOptions backend, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var env = environment ?? Environment.GetEnvironmentVariable;
        var variable = backend.ApiKeyEnv ?? "EXTERNAL_" + new string([.. backend.Name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_')]) + "_KEY";
        return env(variable) is { Length: > 0 } key ? key : null;
    }

    private static BackendOptions ReadBackend(YamlReader r, YamlNode node, string path)
    {
        var b = new BackendOptions();
        var sawName = false;
        var sawUrl = false;
        r.Mapping(node, path, new Dictionary<string, Action<YamlNode, string>>
        {
            ["name"] = (n, p) =>
            {
                sawName = true;
                b.Name = r.String(n, p) ?? string.Empty;
            },
            ["url"] = (n, p) =>
            {
                sawUrl = true;
                b.Url = r.HttpUrl(n, p) ?? b.Url;
            },
            ["type"] = (n, p) => b.Type = r.Enum<BackendType>(n, p) ?? b.Type,
            ["models"] = (n, p) => b.Models = r.StringList(n, p),
            ["api_key_env"] = (n, p) => b.ApiKeyEnv = r.String(n, p),
            ["tier"] = (n, p) => b.Tier = r.Enum<BackendTier>(n, p) ?? b.Tier,
            ["weight"] = (n, p) => b.Weight = r.Int(n, p, 1, 1000) ?? b.Weight,
            ["max_concurrency"] = (n, p) => b.MaxConcurrency = r.Int(n, p, 1, 100_000) ?? b.MaxConcurrency,
            ["ollama_api"] = (n, p) => b.OllamaApi = r.Bool(n, p) ?? b.OllamaApi,
            ["health"] = (n, p) => r.Mapping(n, p, new Dictionary<string, Action<YamlNode, string>>
            {
                ["path"] = (m, q) => b.Health.Path = PathValue(r, m, q),
                ["period"] = (m, q) => b.Health.Period = r.Duration(m, q) ?? b.Health.Period,
                ["timeout"] = (m, q) => b.Health.Timeout = r.Duration(m, q) ?? b.Health.Timeout,
                ["failure_threshold"] = (m, q) => b.Health.FailureThreshold = r.Int(m, q, 1, 100) ?? b.Health.FailureThreshold,
            }),
            ["timeouts"] = (n, p) => r.Mapping(n, p, new Dictionary<string, Action<YamlNode, string>>
            {
                ["connect"] = (m, q) => b.Timeouts.Connect = r.Duration(m, q) ?? b.Timeouts.Connect,
                ["first_byte"] = (m, q) => b.Timeouts.FirstByte = r.Duration(m, q) ?? b.Timeouts.FirstByte,
                ["idle"] = (m, q) => b.Timeouts.Idle = r.Duration(m, q) ?? b.Timeouts.Idle,
            }),
        });
        if (node is YamlMappingNode && !sawName)
        {
            r.Error(path + ".name", node, "required");
        }

        if (node is YamlMappingNode && !sawUrl)
        {
            r.Error(path + ".url", node, "required");
        }

        return b;
    }

    private static string? PathValue(YamlReader r, YamlNode node, string path)
    {
        var s = r.String(node, path);
        if (s is not null && !s.StartsWith('/'))
        {
            r.Error(path, node, "must start with /");
            return null;
        }

        return s;
    }

    private static void ReadRouting(YamlReader r, YamlNode node, string path, RoutingOptions routing) =>
        r.Mapping(node, path, new Dictionary<string, Action<YamlNode, string>>
        {
            ["strategy"] = (n, p) => routing.Strategy = r.Enum<RoutingStrategyKind>(n, p) ?? routing.Strategy,
            ["prefix_tokens"] = (n, p) => routing.PrefixTokens = r.Int(n, p, 1, 1_000_000) ?? routing.PrefixTokens,
            ["latency_budget"] = (n, p) => routing.LatencyBudget = r.Duration(n, p),
            ["max_attempts"] = (n, p) => routing.MaxAttempts = r.Int(n, p, 1, 20) ?? routing.MaxAttempts,
            ["circuit"] = (n, p) => r.Mapping(n, p, new Dictionary<string, Action<YamlNode, string>>
            {
                ["failure_ratio"] = (m, q) => routing.Circuit.FailureRatio = r.Double(m, q, 0.01, 1) ?? routing.Circuit.FailureRatio,
                ["minimum_throughput"] = (m, q) => routing.Circuit.MinimumThroughput = r.Int(m, q, 2, 10_000) ?? routing.Circuit.MinimumThroughput,
                ["sampling"] = (m, q) => routing.Circuit.Sampling = AtLeastHalfSecond(r, m, q) ?? routing.Circuit.Sampling,
                ["break"] = (m, q) => routing.Circuit.Break = AtLeastHalfSecond(r, m, q) ?? routing.Circuit.Break,
            }),
        });

    /// <summary>Polly refuses circuit windows under 500 ms.</summary>
    private static TimeSpan? AtLeastHalfSecond(YamlReader r, YamlNode node, string path)
    {
        var d = r.Duration(node, path);
        if (d is { } v && v < TimeSpan.FromMilliseconds(500))
        {
            r.Error(path, node, "must be at least 500ms");
            return null;
        }

        return d;
    }

    private static void ReadFallbacks(YamlReader r, YamlNode node, string path, Dictionary<string, List<string>> fallbacks)
    {
        if (node is not YamlMappingNode map)
        {
            r.Error(path, node, "expected a mapping of model: [fallback models]");
            return;
        }

        foreach (var (keyNode, value) in map.Children)
        {
            var model = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
            if (r.StringList(value, path + "." + model) is { } list)
            {
                fallbacks[model] = list;
            }
        }
    }

    private static void ReadCache(YamlReader r, YamlNode node, string path, CacheOptions cache) =>
        r.Mapping(node, path, new Dictionary<string, Action<YamlNode, string>>
        {
            ["enabled"] = (n, p) => cache.Enabled = r.Bool(n, p) ?? cache.Enabled,
            ["ttl"] = (n, p) => cache.Ttl = r.Duration(n, p) ?? cache.Ttl,
            ["max_entries"] = (n, p) => cache.MaxEntries = r.Int(n, p, 1, 100_000_000) ?? cache.MaxEntries,
        });

    private static KubernetesDiscoveryOptions? ReadKubernetesDiscovery(YamlReader r, YamlNode node, string path)
    {
        string? selector = null, ns = null;
        var defaults = new KubernetesDiscoveryOptions { LabelSelector = string.Empty };
        int port = defaults.Port, maxConcurrency = defaults.MaxConcurrency;
        var type = BackendType.OpenAI;
        var tier = BackendTier.Cluster;
        var period = defaults.Period;
        var errorsBefore = r.Errors.Count;
        r.Mapping(node, path, new Dictionary<string, Action<YamlNode, string>>
        {
            ["label_selector"] = (n, p) => selector = r.String(n, p),
            ["namespace"] = (n, p) => ns = r.String(n, p),
            ["port"] = (n, p) => port = r.Int(n, p, 1, 65535) ?? port,
            ["type"] = (n, p) => type = r.Enum<BackendType>(n, p) ?? type,
            ["tier"] = (n, p) => tier = r.Enum<BackendTier>(n, p) ?? tier,
            ["max_concurrency"] = (n, p) => maxConcurrency = r.Int(n, p, 1, 1_000_000) ?? maxConcurrency,
            ["period"] = (n, p) => period = AtLeastHalfSecond(r, n, p) ?? period,
        });
        if (string.IsNullOrWhiteSpace(selector))
        {
            // An empty selector would list every pod in the namespace: the router's own pods, Redis, anything.
            r.Error(path + ".label_selector", node, "required: the label selector of the engine pods, e.g. app.kubernetes.io/component=engine");
        }

        return r.Errors.Count > errorsBefore ? null : new KubernetesDiscoveryOptions
        {
            LabelSelector = selector!,
            Namespace = string.IsNullOrWhiteSpace(ns) ? null : ns,
            Port = port,
            Type = type == BackendType.Ollama ? "ollama" : "openai",
            Tier = YamlReader.Kebab(tier.ToString()),
            MaxConcurrency = maxConcurrency,
            Period = period,
        };
    }

    private static void ApplyEnvironment(RouterOptions options, Func<string, string?> env)
    {
        if (options.Redis is null && env("REDIS_URL") is { Length: > 0 } redis)
        {
            options.Redis = redis;
        }

        if (options.Database.Length == 0)
        {
            options.Database = env("SQLITE_DB_PATH") is { Length: > 0 } db
                ? db
                : Path.Combine(env("HEARTH_HOME") is { Length: > 0 } home ? home
                    : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".hearth"), "router.db");
        }

        if (env("LLMD_ENDPOINT") is { Length: > 0 } llmd && !options.Backends.Any(b => b.Name == "llm-d"))
        {
            if (Uri.TryCreate(llmd, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
            {
                options.Backends.Add(new BackendOptions { Name = "llm-d", Url = url, Type = BackendType.OpenAI, Tier = BackendTier.Cluster });
            }
            else
            {
                // Reported through Validate: an env var has no line, but it is still an error, not a silent skip.
                options.Backends.Add(new BackendOptions { Name = "llm-d", Url = new Uri("invalid:llmd") });
            }
        }
    }

    private static void Validate(YamlReader r, RouterOptions options, YamlNode? root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Backends.Count; i++)
        {
            var b = options.Backends[i];
            if (b.Url.Scheme == "invalid")
            {
                r.Errors.Add(new ConfigError("LLMD_ENDPOINT", 0, 0, "not an absolute http(s) URL"));
            }
            else if (b.Name.Length > 0 && !seen.Add(b.Name))
            {
                r.Error($"backends[{i}].name", NodeAt(root, i, "name"), $"duplicate backend name '{b.Name}'");
            }
        }

        if (options.Backends.Count == 0 && options.KubernetesDiscovery is null && r.Errors.Count == 0)
        {
            r.Errors.Add(new ConfigError("backends", (int)(root?.Start.Line ?? 0), (int)(root?.Start.Column ?? 0),
                "at least one backend is required (or set LLMD_ENDPOINT, or kubernetes_discovery)"));
        }
    }

    private static YamlNode? NodeAt(YamlNode? root, int backend, string key) =>
        root is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode("backends"), out var list)
            && list is YamlSequenceNode seq && backend < seq.Children.Count && seq.Children[backend] is YamlMappingNode b
            && b.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;
}
