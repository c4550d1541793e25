namespace Hearth.Instances.Stats;

/// <summary>One sample of the machine and of each running instance (its whole session: children included).</summary>
public sealed record SystemSample(
    DateTimeOffset Time,
    double CpuPercent,
    int Cores,
    long MemoryTotalBytes,
    long MemoryUsedBytes,
    long DiskTotalBytes,
    long DiskFreeBytes,
    IReadOnlyList<InstanceUsage> Instances,
    IReadOnlyList<GpuUsage>? Gpus);

public sealed record InstanceUsage(string Name, int Pid, int Processes, long RssBytes, double CpuPercent);

public sealed record GpuUsage(int Index, string Name, int UtilizationPercent, long MemoryTotalBytes, long MemoryUsedBytes, IReadOnlyList<GpuProcess> Processes);

public sealed record GpuProcess(int Pid, long MemoryBytes, string? Instance);
