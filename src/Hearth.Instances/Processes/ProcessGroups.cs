using System.Diagnostics;

namespace Hearth.Instances.Processes;

/// <summary>Ending a process group for good: TERM, a grace period, KILL.</summary>
public static class ProcessGroups
{
    /// <summary>True while a live (non-zombie) process is in group <paramref name="pgid"/>.</summary>
    public static bool Alive(int pgid) =>
        Native.GroupAlive(pgid) && ProcStat.All().Any(p => p.Pgid == pgid && p.State != 'Z');

    public static async Task TerminateAsync(int pgid, TimeSpan grace)
    {
        if (!Alive(pgid))
        {
            return;
        }

        Native.SignalGroup(pgid, Native.SIGTERM);
        var clock = Stopwatch.StartNew();
        // The group has no handle to await: poll in short steps, bounded by the grace period.
        while (clock.Elapsed < grace)
        {
            await Task.Delay(20).ConfigureAwait(false);
            if (!Alive(pgid))
            {
                return;
            }
        }

        Native.SignalGroup(pgid, Native.SIGKILL);
        for (var i = 0; i < 50 && Alive(pgid); i++)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Kills what a previous supervisor left running: every process of the recorded session that started no earlier than
    /// its leader (so a recycled pid or session id of an unrelated process is left alone). Returns how many were found.
    /// </summary>
    public static async Task<int> CleanUpSessionAsync(int sid, long leaderStartTicks, TimeSpan grace)
    {
        if (sid <= 1)
        {
            return 0;
        }

        var members = ProcStat.Session(sid, leaderStartTicks);
        if (members.Count == 0)
        {
            return 0;
        }

        foreach (var pgid in members.Select(p => p.Pgid).Distinct())
        {
            await TerminateAsync(pgid, grace).ConfigureAwait(false);
        }

        return members.Count;
    }
}
