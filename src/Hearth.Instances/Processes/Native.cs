using System.Runtime.InteropServices;

namespace Hearth.Instances.Processes;

/// <summary>The two libc calls .NET does not expose: signalling a whole process group.</summary>
internal static partial class Native
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    private const int ESRCH = 3;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Sends <paramref name="signal"/> to every process in group <paramref name="pgid"/>; false when none is left.</summary>
    public static bool SignalGroup(int pgid, int signal)
    {
        if (pgid <= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(pgid), "refusing to signal group <= 1");
        }

        return Kill(-pgid, signal) == 0 || Marshal.GetLastPInvokeError() != ESRCH;
    }

    /// <summary>True while any process is in group <paramref name="pgid"/> (signal 0 checks without sending).</summary>
    public static bool GroupAlive(int pgid) => pgid > 1 && Kill(-pgid, 0) == 0;
}
