using System.Diagnostics;
using System.ComponentModel;

namespace Hearth.Instances.Processes;

/// <summary>
/// Spawns an instance in a session of its own. .NET's Process cannot call setsid() in the child and forking from
/// managed code is unsafe (the runtime's other threads do not exist in the child), so the child is
/// <c>/usr/bin/setsid bash -c SCRIPT</c>: our child is not a group leader, so setsid(1) calls setsid() and execs
/// bash in place — the pid we hold is the session leader, and pid = pgid = sid. Everything it starts, double-forked
/// daemons included, stays in that group, and one kill(-pgid) reaches all of it.
/// </summary>
public static class ProcessLauncher
{
    public const string SetsidPath = "/usr/bin/setsid";

    public static RunningProcess Start(LaunchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var info = new ProcessStartInfo(SetsidPath)
        {
            WorkingDirectory = request.WorkingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("bash");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(request.Script);
        foreach (var (key, value) in request.Environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException($"could not spawn {SetsidPath}: {ex.Message}", ex);
        }

        process.StandardInput.Close();
        var stat = ProcStat.Read(process.Id);
        return new RunningProcess(process, stat?.StartTicks ?? 0, request.Output);
    }
}
