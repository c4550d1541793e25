using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Router;

/// <summary>What a host (the CLI, tests, the benchmark) adds around <see cref="Config.RouterOptions"/>.</summary>
public sealed class RouterHostOptions
{
    /// <summary>Clock for timeouts, health periods and circuit windows (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where environment variables are read (upstream keys); tests pass a dictionary.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Extra services, e.g. an <see cref="Access.IRequestGate"/>, <see cref="Caching.IResponseCache"/> or <see cref="Registry.IRouterRegistry"/>.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Skip the background health loop (tests drive checks themselves); the first round still runs at start.</summary>
    public bool DisableHealthLoop { get; init; }
}
