namespace Hearth.Instances.State;

/// <summary>
/// A spawned process as recorded on disk: pid, its session id (= process group id, as it leads both) and its start time
/// in clock ticks since boot from /proc/PID/stat, which together identify it even after pid reuse.
/// </summary>
public sealed record ProcessRecord(string Name, int Pid, int Sid, long StartTicks, int Port, int Run, DateTimeOffset Started);
