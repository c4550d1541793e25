using Hearth.Engine.Execution;

namespace Hearth.Engine.Tests;

public sealed class WorkerPoolTests
{
    private sealed class CountingJob(int count) : ParallelJob
    {
        public int[] Hits { get; } = new int[count];

        public int[] Threads { get; } = new int[count];

        public override void Execute(int item, int thread)
        {
            Interlocked.Increment(ref Hits[item]);
            Threads[item] = thread;
        }
    }

    private sealed class FailingJob : ParallelJob
    {
        public override void Execute(int item, int thread)
        {
            if (item == 7)
            {
                throw new InvalidOperationException("item 7");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Every_item_runs_exactly_once_per_dispatch(int threads)
    {
        using var pool = new WorkerPool(threads);
        for (var round = 0; round < 200; round++)
        {
            var job = new CountingJob(1 + (round % 37));
            pool.Run(job, job.Hits.Length);
            Assert.All(job.Hits, h => Assert.Equal(1, h));
            Assert.All(job.Threads, t => Assert.InRange(t, 0, threads - 1));
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void No_item_runs_again_after_its_dispatch_returned(int threads)
    {
        // The caller returns once the items are done, without waiting for every worker to check in: a worker that
        // wakes late must claim nothing, neither from the job it missed nor twice from the next one.
        using var pool = new WorkerPool(threads);
        var jobs = new List<CountingJob>();
        for (var round = 0; round < 2000; round++)
        {
            var job = new CountingJob(1 + (round % 5));
            pool.Run(job, job.Hits.Length);
            Assert.All(job.Hits, h => Assert.Equal(1, h));
            jobs.Add(job);
        }

        pool.Run(new CountingJob(threads * 8), threads * 8);
        Assert.All(jobs, j => Assert.All(j.Hits, h => Assert.Equal(1, h)));
    }

    [Fact]
    public void A_failure_is_reported_once_and_every_other_item_still_finishes_before_the_caller_returns()
    {
        using var pool = new WorkerPool(2);
        for (var round = 0; round < 50; round++)
        {
            Assert.Throws<InvalidOperationException>(() => pool.Run(new FailingJob(), 8 + round));
            var job = new CountingJob(16);
            pool.Run(job, 16);
            Assert.All(job.Hits, h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void A_failing_item_surfaces_on_the_caller_and_the_pool_keeps_working()
    {
        using var pool = new WorkerPool(3);
        var ex = Assert.Throws<InvalidOperationException>(() => pool.Run(new FailingJob(), 50));
        Assert.Equal("item 7", ex.Message);
        var job = new CountingJob(10);
        pool.Run(job, 10);
        Assert.All(job.Hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void Workers_that_fell_asleep_wake_for_the_next_job()
    {
        // No spinning: between jobs every worker waits on the monitor, so each dispatch must wake it.
        using var pool = new WorkerPool(2, spin: TimeSpan.Zero);
        for (var round = 0; round < 100; round++)
        {
            var job = new CountingJob(64);
            pool.Run(job, 64);
            Assert.All(job.Hits, h => Assert.Equal(1, h));
        }
    }
}
