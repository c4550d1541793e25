using System.Diagnostics;

namespace Hearth.Instances.Processes;

/// <summary>
/// One spawned process (a session leader) and its group. Output of both pipes is read as bytes and handed on as it
/// arrives; <see cref="Exited"/> completes with the exit code when the leader exits (signal N = 128 + N, as bash reports).
/// </summary>
public sealed class RunningProcess : IDisposable
{
    private readonly Process _process;
    private readonly Action<ReadOnlyMemory<byte>> _output;
    private readonly Lock _outputLock = new();

    internal RunningProcess(Process process, long startTicks, Action<ReadOnlyMemory<byte>> output)
    {
        _process = process;
        _output = output;
        Pid = process.Id;
        StartTicks = startTicks;
        OutputDone = Task.WhenAll(Pump(process.StandardOutput.BaseStream), Pump(process.StandardError.BaseStream));
        Exited = WaitAsync();
    }

    public int Pid { get; }

    /// <summary>Process group and session id: the leader's pid (see <see cref="ProcessLauncher"/>).</summary>
    public int Pgid => Pid;

    public long StartTicks { get; }

    public Task<int> Exited { get; }

    /// <summary>Completes when both pipes are closed (every process holding them has exited).</summary>
    public Task OutputDone { get; }

    private async Task<int> WaitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        return _process.ExitCode;
    }

    private async Task Pump(Stream stream)
    {
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }

                // stdout and stderr share one log: one writer at a time keeps their lines whole.
                lock (_outputLock)
                {
                    _output(buffer.AsMemory(0, n));
                }
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// SIGTERM to the group, then SIGKILL to whatever is left after <paramref name="grace"/>. Real time on purpose:
    /// this waits on a real process, not on the supervisor's schedule.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        var clock = Stopwatch.StartNew();
        Native.SignalGroup(Pgid, Native.SIGTERM);
        try
        {
            await Exited.WaitAsync(grace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        await KillRemainingAsync(grace - clock.Elapsed).ConfigureAwait(false);
    }

    /// <summary>
    /// After the leader exits its group may live on (a double-forked daemon): TERM it, KILL it after the grace period.
    /// </summary>
    public Task KillRemainingAsync(TimeSpan grace) => ProcessGroups.TerminateAsync(Pgid, grace);

    public void Dispose() => _process.Dispose();
}
