using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Hearth.Engine.Execution;

/// <summary>
/// A persistent pool: Threads - 1 dedicated threads plus the caller split each job's items through
/// an atomic counter (dynamic hand-out copes with cores shared with other processes). Between jobs
/// workers spin for <see cref="DefaultSpin"/> (a forward pass dispatches a job every few microseconds,
/// far cheaper than waking a sleeping thread), then sleep on a monitor until the next job.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    /// <summary>
    /// Default spin before sleeping, ~200 µs: longer than the gap between two matmuls of one forward
    /// pass, short enough that an idle model gives its cores back almost at once.
    /// </summary>
    public static readonly TimeSpan DefaultSpin = TimeSpan.FromMicroseconds(200);

    private readonly long _spinTicks;

    private readonly Thread[] _workers;
    private readonly object _gate = new();
    private ParallelJob? _job;
    private int _itemCount;
    private int _nextItem;
    private int _pending;
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

        _job = job;
        _itemCount = count;
        _nextItem = 0;
        _failure = null;
        _pending = _workers.Length;
        Interlocked.Increment(ref _generation);   // full fence: publishes the fields above
        if (Volatile.Read(ref _sleepers) > 0)
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }

        Drain(0);
        var spin = default(SpinWait);
        while (Volatile.Read(ref _pending) > 0)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }

        _job = null;
        if (_failure is { } failure)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    private void Drain(int thread)
    {
        var job = _job!;
        try
        {
            int item;
            while ((item = Interlocked.Increment(ref _nextItem) - 1) < _itemCount)
            {
                job.Execute(item, thread);
            }
        }
        catch (Exception ex)
        {
            Interlocked.CompareExchange(ref _failure, ex, null);
            Volatile.Write(ref _nextItem, _itemCount);   // stop handing out work
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
            Drain(index);
            Interlocked.Decrement(ref _pending);
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
