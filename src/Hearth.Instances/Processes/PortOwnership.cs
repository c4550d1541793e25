using System.Globalization;

namespace Hearth.Instances.Processes;

/// <summary>
/// Who listens on a port: the listening socket's inode from /proc/net/tcp{,6}, matched against the socket links in
/// /proc/PID/fd of a session's processes. A health check that reaches a foreign listener squatting on the port must
/// not make an instance ready.
/// </summary>
public static class PortOwnership
{
    /// <summary>True when some process of session <paramref name="sid"/> holds a listening socket on <paramref name="port"/>.</summary>
    public static bool SessionListensOn(int sid, long leaderStartTicks, int port)
    {
        var inodes = ListeningInodes(port);
        if (inodes.Count == 0)
        {
            return false;
        }

        foreach (var p in ProcStat.Session(sid, leaderStartTicks))
        {
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{p.Pid}/fd"))
                {
                    var target = new FileInfo(fd).LinkTarget;
                    if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)
                        && long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
                        && inodes.Contains(inode))
                    {
                        return true;
                    }
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return false;
    }

    /// <summary>Inodes of sockets in LISTEN state (0A) on <paramref name="port"/>, IPv4 and IPv6.</summary>
    public static HashSet<long> ListeningInodes(int port)
    {
        var result = new HashSet<long>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 10 || f[3] != "0A")
                {
                    continue;
                }

                var local = f[1];
                var p = int.Parse(local.AsSpan(local.LastIndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (p == port && long.TryParse(f[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
                {
                    result.Add(inode);
                }
            }
        }

        return result;
    }
}
