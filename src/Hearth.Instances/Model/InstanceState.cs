namespace Hearth.Instances.Model;

/// <summary>
/// Observed lifecycle of an instance: installing → stopped → starting → ready → (unhealthy) → stopping → stopped,
/// plus backoff (waiting to restart after a crash) and failed (given up until reset or started again).
/// </summary>
public enum InstanceState
{
    Stopped,
    Installing,
    Starting,
    Ready,
    Unhealthy,
    Stopping,
    Backoff,
    Failed,
}

/// <summary>What the user asked for; the reconcile loop moves the observed state toward it.</summary>
public enum DesiredState
{
    Stopped,
    Running,
}

/// <summary>When a process that exited on its own is started again.</summary>
public enum RestartPolicy
{
    /// <summary>Restart after any exit, clean or not.</summary>
    Always,

    /// <summary>Restart only after a non-zero exit, a signal or a failed liveness check.</summary>
    OnFailure,

    /// <summary>Never restart; a failure leaves the instance failed.</summary>
    Never,
}
