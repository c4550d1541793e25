using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Hearth.Engine.Execution;

/// <summary>
/// A persistent pool: Threads - 1 dedicated threads plus the caller split each job's items through
/// an atomic counter (dynamic hand-out copes with cores shared with other processes). Between jobs
/// workers spin for <see cref="DefaultSpin"/> (a forward pass dispatches a job every few microseconds,
/// far cheaper than waking a sleeping thread), then sleep on a monitor until the next job.
/// <para>
/// A job is done when all its items are, not when every worker has looked at it: a worker the OS has not scheduled
/// (another process on its core) takes no item and costs the caller nothing, where waiting for each worker to check
/// in made every dispatch of a decode step wait out the other process's time slice. Items are claimed with one
/// compare-and-swap on a word holding the dispatch's stamp, its item count and the next item, so a worker that wakes
/// late with an old stamp claims nothing from a later job.
/// </para>
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    /// <summary>
    /// Default spin before sleeping, ~200 µs: longer than the gap between two matmuls of one forward
    /// pass, short enough that an idle model gives its cores back almost at once.
    /// </summary>
    public static readonly TimeSpan DefaultSpin = TimeSpan.FromMicroseconds(200);

    private readonly long _spinTicks;

    // The claim word: stamp (24 bits) | item count (20 bits) | next item (20 bits).
    private const int ItemBits = 20;
    private const long ItemMask = (1L << ItemBits) - 1;
    private const int MaxItems = (int)ItemMask;

    private readonly Thread[] _workers;
    private readonly object _gate = new();
    private ParallelJob? _job;
    private long _claim;
    private int _done;
    private long _generation;
    private int _sleepers;
    private volatile bool _disposed;
    private Exception? _failure;

    public WorkerPool(int threads, TimeSpan? spin = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        _spinTicks = (long)((spin ?? DefaultSpin).TotalSeconds * Stopwatch.Frequency);
        _workers = new Thread[threads - 1];
        for (var i = 0; i < _workers.Length; i++)
        {
            var index = i + 1;
            _workers[i] = new Thread(() => WorkerLoop(index))
            {
                IsBackground = true,
                Name = $"hearth-worker-{index}",
            };
            _workers[i].Start();
        }
    }

    public int Threads { get; }

    /// <summary>Runs items [0, count) of <paramref name="job"/> on all threads and returns when all are done.</summary>
    public void Run(ParallelJob job, int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count <= 0)
        {
            return;
        }

        if (_workers.Length == 0 || count == 1)
        {
            for (var i = 0; i < count; i++)
            {
                job.Execute(i, 0);
            }

            return;
        }

        if (count > MaxItems)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"A dispatch has at most {MaxItems} items.");
        }

        _job = job;
        _failure = null;
        Volatile.Write(ref _done, 0);
        var stamp = (Stamp(Volatile.Read(ref _claim)) + 1) & ((1L << (64 - (2 * ItemBits))) - 1);
        Volatile.Write(ref _claim, (stamp << (2 * ItemBits)) | ((long)count << ItemBits));
        Interlocked.Increment(ref _generation);   // full fence: publishes the fields above
        if (Volatile.Read(ref _sleepers) > 0)
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }

        Drain(stamp, 0);
        var spin = default(SpinWait);
        while (Volatile.Read(ref _done) < count)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }

        if (_failure is { } failure)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    private static long Stamp(long claim) => (long)((ulong)claim >> (2 * ItemBits));

    /// <summary>Runs items of the dispatch stamped <paramref name="stamp"/> until none are left (or it is over).</summary>
    private void Drain(long stamp, int thread)
    {
        while (true)
        {
            var claim = Volatile.Read(ref _claim);
            int next = (int)(claim & ItemMask), count = (int)((claim >> ItemBits) & ItemMask);
            if (Stamp(claim) != stamp || next >= count)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _claim, claim + 1, claim) != claim)
            {
                continue;
            }

            // Claimed: the dispatch cannot finish before this item does, so _job is still its job.
            try
            {
                _job!.Execute(next, thread);
                Interlocked.Increment(ref _done);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref _failure, ex, null);
                Interlocked.Add(ref _done, 1 + Abandon(stamp));
                return;
            }
        }
    }

    /// <summary>Stops handing out the dispatch's items; returns how many were left unclaimed (counted as done).</summary>
    private int Abandon(long stamp)
    {
        while (true)
        {
            var claim = Volatile.Read(ref _claim);
            int next = (int)(claim & ItemMask), count = (int)((claim >> ItemBits) & ItemMask);
            if (Stamp(claim) != stamp || next >= count)
            {
                return 0;
            }

            if (Interlocked.CompareExchange(ref _claim, (claim & ~ItemMask) | (uint)count, claim) == claim)
            {
                return count - next;
            }
        }
    }

    private void WorkerLoop(int index)
    {
        long seen = 0;
        while (true)
        {
            var start = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _generation) == seen && !_disposed)
            {
                if (Stopwatch.GetTimestamp() - start >= _spinTicks)
                {
                    lock (_gate)
                    {
                        Interlocked.Increment(ref _sleepers);
                        while (Volatile.Read(ref _generation) == seen && !_disposed)
                        {
                            Monitor.Wait(_gate);
                        }

                        Interlocked.Decrement(ref _sleepers);
                    }

                    break;
                }

                Thread.SpinWait(16);
            }

            if (_disposed)
            {
                return;
            }

            seen = Volatile.Read(ref _generation);
            Drain(Stamp(Volatile.Read(ref _claim)), index);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }

        foreach (var w in _workers)
        {
            w.Join();
        }
    }
}
