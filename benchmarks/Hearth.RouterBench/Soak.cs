using System.Diagnostics;
using System.Globalization;

namespace Hearth.RouterBench;

/// <summary>
/// <c>--soak SECONDS</c>: the open loop through the router at a fixed rate for a long time, with the live GC heap
/// (after a full collection) and the working set sampled every 10 s, and an optional action half-way (a Redis
/// restart). The generator keeps only counters and one interval's latencies, so its own memory stays flat.
/// </summary>
internal sealed class Soak(PacerKind pacer, int rate, int seconds, Func<Task<double>> send, Func<Task>? halfway)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private readonly Lock windowLock = new();
    private readonly List<(double Seconds, double HeapMiB, double WorkingSetMiB)> samples = [];
    private List<double> window = new(rate * 12);
    private long started;
    private long succeeded;
    private long failed;
    private string? firstError;

    public async Task<int> RunAsync()
    {
        var invariant = CultureInfo.InvariantCulture;
        Console.WriteLine($"soak: open loop at {rate} rps through the router for {seconds} s, memory sampled every {Interval.TotalSeconds:F0} s");
        Console.WriteLine("| t s | sent | ok | errors | interval p50 ms | interval p99 ms | live GC heap MiB | working set MiB |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(Interval);
            Sample(clock.Elapsed);
            while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
            {
                Sample(clock.Elapsed);
            }
        });

        Task? middle = null;
        var total = (long)rate * seconds;
        await Pacer.RunAsync(pacer, rate, total, i =>
        {
            if (halfway is not null && middle is null && i >= total / 2)
            {
                middle = Task.Run(halfway);
            }

            Interlocked.Increment(ref started);
            _ = Track();
        });

        // Drain: whatever has not answered 30 s after the last send counts as lost.
        var drain = Stopwatch.StartNew();
        while (Interlocked.Read(ref succeeded) + Interlocked.Read(ref failed) < total && drain.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
        }

        if (middle is not null)
        {
            await middle;
        }

        await stop.CancelAsync();
        try
        {
            await sampler;
        }
        catch (OperationCanceledException)
        {
        }

        Sample(clock.Elapsed);
        var lost = total - Interlocked.Read(ref succeeded) - Interlocked.Read(ref failed);
        // The 0 s sample is before any load (pools and buffers not yet grown); "flat" is judged from the first sample under load.
        Console.WriteLine(string.Create(invariant, $"before load: live GC heap {samples[0].HeapMiB:F1} MiB, working set {samples[0].WorkingSetMiB:F1} MiB; from the first sample under load on:"));
        var loaded = samples.Count > 2 ? samples.Skip(1).ToList() : samples;
        var heap = loaded.Select(s => s.HeapMiB).ToList();
        var ws = loaded.Select(s => s.WorkingSetMiB).ToList();
        Console.WriteLine(string.Create(invariant,
            $"live GC heap MiB: first {heap[0]:F1}, last {heap[^1]:F1}, min {heap.Min():F1}, max {heap.Max():F1}, change first→last {Change(heap[0], heap[^1]):+0.0;-0.0}%, max over first {Change(heap[0], heap.Max()):+0.0;-0.0}%"));
        Console.WriteLine(string.Create(invariant,
            $"working set MiB: first {ws[0]:F1}, last {ws[^1]:F1}, min {ws.Min():F1}, max {ws.Max():F1}, change first→last {Change(ws[0], ws[^1]):+0.0;-0.0}%, max over first {Change(ws[0], ws.Max()):+0.0;-0.0}%"));
        Console.WriteLine($"requests: {total} sent, {Interlocked.Read(ref succeeded)} ok, {Interlocked.Read(ref failed)} errors, {lost} lost" + (firstError is null ? string.Empty : $" (first error: {firstError})"));
        return lost == 0 && Interlocked.Read(ref failed) == 0 ? 0 : 1;
    }

    private static double Change(double from, double to) => (to - from) / from * 100;

    private async Task Track()
    {
        try
        {
            var ms = await send().ConfigureAwait(false);
            Interlocked.Increment(ref succeeded);
            lock (windowLock)
            {
                window.Add(ms);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TaskCanceledException)
        {
            Interlocked.Increment(ref failed);
            Interlocked.CompareExchange(ref firstError, ex.Message, null);
        }
    }

    private void Sample(TimeSpan at)
    {
        List<double> latencies;
        lock (windowLock)
        {
            latencies = window;
            window = new List<double>(rate * 12);
        }

        latencies.Sort();
        // A full blocking collection first, so the heap figure is what is still alive, not garbage not yet collected.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var heap = GC.GetTotalMemory(forceFullCollection: false) / 1048576.0;
        using var self = Process.GetCurrentProcess();
        var ws = self.WorkingSet64 / 1048576.0;
        samples.Add((at.TotalSeconds, heap, ws));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {at.TotalSeconds:F0} | {Interlocked.Read(ref started)} | {Interlocked.Read(ref succeeded)} | {Interlocked.Read(ref failed)} | {Pct(latencies, 0.5):F3} | {Pct(latencies, 0.99):F3} | {heap:F1} | {ws:F1} |"));
    }

    private static double Pct(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
