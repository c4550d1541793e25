using System.Globalization;
using Hearth.Instances.Processes;
using Hearth.Instances.Supervision;

namespace Hearth.Instances.Stats;

/// <summary>
/// Samples /proc once a second: machine CPU (from /proc/stat deltas), memory (MemAvailable), disk of the supervisor's
/// home, RSS and CPU of each instance's session, and GPUs through NVML when a driver is present. Keeps a short history
/// for the dashboard's charts.
/// </summary>
public sealed class SystemSampler : IDisposable
{
    private const double TicksPerSecond = 100; // USER_HZ: 100 on every Linux ABI .NET runs on.
    private readonly Supervisor _supervisor;
    private readonly ITimer _timer;
    private readonly Lock _lock = new();
    private readonly Queue<SystemSample> _history = new();
    private readonly Dictionary<int, (long Ticks, long When)> _lastSession = [];
    private readonly Nvml? _nvml = Nvml.TryLoad();
    private (long Busy, long Total) _lastCpu;
    private SystemSample? _latest;

    public SystemSampler(Supervisor supervisor, TimeProvider time)
    {
        _supervisor = supervisor;
        ArgumentNullException.ThrowIfNull(time);
        _timer = time.CreateTimer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    public SystemSample Latest
    {
        get
        {
            lock (_lock)
            {
                return _latest ?? Sample();
            }
        }
    }

    public IReadOnlyList<SystemSample> History()
    {
        lock (_lock)
        {
            return _history.ToList();
        }
    }

    private SystemSample Sample()
    {
        lock (_lock)
        {
            var now = DateTimeOffset.UtcNow;
            var cpu = ReadCpu();
            var cpuPercent = cpu.Total > _lastCpu.Total ? 100.0 * (cpu.Busy - _lastCpu.Busy) / (cpu.Total - _lastCpu.Total) : 0;
            _lastCpu = cpu;
            var (memTotal, memAvailable) = ReadMemory();
            var drive = new DriveInfo(Path.GetFullPath(_supervisor.Options.Home));
            var stats = ProcStat.All().ToList();
            var usage = new List<InstanceUsage>();
            var pageSize = Environment.SystemPageSize;
            foreach (var s in _supervisor.List())
            {
                if (s.Pid is not { } sid)
                {
                    continue;
                }

                var members = stats.Where(p => p.Sid == sid && p.State != 'Z').ToList();
                var ticks = members.Sum(p => p.UserTicks + p.SystemTicks);
                var when = Environment.TickCount64;
                var percent = _lastSession.TryGetValue(sid, out var last) && when > last.When
                    ? 100.0 * (ticks - last.Ticks) / TicksPerSecond / ((when - last.When) / 1000.0)
                    : 0;
                _lastSession[sid] = (ticks, when);
                usage.Add(new InstanceUsage(s.Name, sid, members.Count, members.Sum(p => p.RssPages) * pageSize, Math.Max(0, percent)));
            }

            var gpus = _nvml?.Sample(pid => stats.FirstOrDefault(p => p.Pid == pid) is { } st
                ? usage.FirstOrDefault(u => u.Pid == st.Sid)?.Name
                : null);
            _latest = new SystemSample(now, Math.Round(cpuPercent, 1), Environment.ProcessorCount, memTotal, memTotal - memAvailable,
                drive.IsReady ? drive.TotalSize : 0, drive.IsReady ? drive.AvailableFreeSpace : 0, usage, gpus);
            _history.Enqueue(_latest);
            while (_history.Count > 120)
            {
                _history.Dequeue();
            }

            return _latest;
        }
    }

    private static (long Busy, long Total) ReadCpu()
    {
        var line = File.ReadLines("/proc/stat").First();
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        var idle = f[3] + (f.Length > 4 ? f[4] : 0);
        var total = f.Take(8).Sum();
        return (total - idle, total);
    }

    private static (long Total, long Available) ReadMemory()
    {
        long total = 0, available = 0;
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts[0] == "MemTotal:")
            {
                total = long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
            }
            else if (parts[0] == "MemAvailable:")
            {
                available = long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return (total, available);
    }

    public void Dispose()
    {
        _timer.Dispose();
        _nvml?.Dispose();
    }
}
