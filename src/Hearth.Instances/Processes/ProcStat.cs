using System.Globalization;

namespace Hearth.Instances.Processes;

/// <summary>The fields of /proc/PID/stat the supervisor needs: identity (start time) and accounting.</summary>
public readonly record struct ProcStat(int Pid, char State, int ParentPid, int Pgid, int Sid, long UserTicks, long SystemTicks, long StartTicks, long RssPages)
{
    public static ProcStat? Read(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Parses one stat line; the command name is skipped by its last ')' because it may contain spaces and parens.</summary>
    public static ProcStat? Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var close = line.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var pid = int.Parse(line.AsSpan(0, line.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
        // Fields after "(comm)": 3 state, 4 ppid, 5 pgrp, 6 session, ... 14 utime, 15 stime, ... 22 starttime, 23 vsize, 24 rss.
        var f = line[(close + 2)..].Split(' ');
        long L(int field) => long.Parse(f[field - 3], CultureInfo.InvariantCulture);
        return new ProcStat(pid, f[0][0], (int)L(4), (int)L(5), (int)L(6), L(14), L(15), L(22), L(24));
    }

    /// <summary>Every live process on the machine (zombies included: they still hold their pid).</summary>
    public static IEnumerable<ProcStat> All()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } stat)
            {
                yield return stat;
            }
        }
    }

    /// <summary>The processes of session <paramref name="sid"/> started no earlier than its leader (pid reuse guard).</summary>
    public static List<ProcStat> Session(int sid, long leaderStartTicks) =>
        All().Where(p => p.Sid == sid && p.StartTicks >= leaderStartTicks && p.State != 'Z').ToList();
}
