using Hearth.Instances.Logs;

namespace Hearth.Instances.Supervision;

/// <summary>Supervisor settings; every default is the documented behaviour.</summary>
public sealed class SupervisorOptions
{
    /// <summary>State folder: instances.db, instances/NAME/{work,logs}, blueprints/. Default $HEARTH_HOME/supervisor.</summary>
    public required string Home { get; set; }

    /// <summary>Blueprint scripts folder. Default Home/blueprints.</summary>
    public string? BlueprintFolder { get; set; }

    public int PortFirst { get; set; } = 20000;

    public int PortLast { get; set; } = 29999;

    /// <summary>How to run hearth for hearth-model instances (a command line prefix). Default: this process's own hearth.</summary>
    public string? HearthCommand { get; set; }

    /// <summary>SIGTERM → SIGKILL grace period. Default 10 s.</summary>
    public TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Between liveness checks once ready. Default 5 s.</summary>
    public TimeSpan LivenessPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Between readiness checks while starting. Default 20 ms (on-demand starts should not wait on polling).</summary>
    public TimeSpan ReadinessPeriod { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Consecutive failed liveness checks that make an instance unhealthy (and restarted). Default 3.</summary>
    public int LivenessFailures { get; set; } = 3;

    /// <summary>Timeout of a health check or probe request. Default 5 s (probe: 30 s).</summary>
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Between probes of real work while ready. Default 30 s.</summary>
    public TimeSpan ProbePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Between reconcile passes (and idle checks). Default 1 s.</summary>
    public TimeSpan ReconcilePeriod { get; set; } = TimeSpan.FromSeconds(1);

    public BackoffOptions Backoff { get; set; } = new();

    public LogOptions Logs { get; set; } = new();

    /// <summary>Seed for backoff jitter and port choice; null = random.</summary>
    public int? Seed { get; set; }

    public string BlueprintsPath => BlueprintFolder ?? Path.Combine(Home, "blueprints");
}

/// <summary>Restart timing: immediate first restart, then Initial doubling to Max, ±Jitter; Reset after healthy this long.</summary>
public sealed class BackoffOptions
{
    public TimeSpan Initial { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan Max { get; set; } = TimeSpan.FromMinutes(5);

    public double Jitter { get; set; } = 0.10;

    public TimeSpan ResetAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Starts allowed within <see cref="StartWindow"/> before the instance is failed. Default 5 in 10 min.</summary>
    public int StartLimit { get; set; } = 5;

    public TimeSpan StartWindow { get; set; } = TimeSpan.FromMinutes(10);
}
