using System.Text;
using Hearth.Instances.Logs;
using Hearth.Instances.Tests.Support;

namespace Hearth.Instances.Tests.Logs;

public sealed class InstanceLogTests
{
    private static void Write(InstanceLog log, string text) => log.Write(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Lines_split_across_chunks_are_joined_and_each_run_has_its_own_file()
    {
        using var home = new TempHome();
        using var log = new InstanceLog(home.Path, new LogOptions(), TimeProvider.System);
        Assert.Equal(1, log.BeginRun());
        Write(log, "hel");
        Write(log, "lo\nwor");
        Write(log, "ld\r\n\xC3");
        Assert.Equal(["hello", "world"], log.Tail().Select(l => l.Text));
        Assert.Equal(2, log.BeginRun());
        Write(log, "second\n");
        Assert.Equal("hello\nworld\n\u00C3\n", log.ReadRun(1));
        Assert.Equal("second\n", log.ReadRun(2));
        Assert.Equal([1, 2], log.Runs());
        Assert.Equal([1L, 2, 3, 4], log.Tail().Select(l => l.Seq));
    }

    [Fact]
    public void Files_rotate_by_size_and_only_the_last_runs_are_kept()
    {
        using var home = new TempHome();
        using var log = new InstanceLog(home.Path, new LogOptions { MaxFileBytes = 100, KeepRuns = 2 }, TimeProvider.System);
        log.BeginRun();
        for (var i = 0; i < 30; i++)
        {
            Write(log, $"line {i:D2}\n");
        }

        Assert.True(new FileInfo(log.RunFile(1)).Length <= 100);
        Assert.True(File.Exists(log.RunFile(1) + ".1"));
        Assert.EndsWith("line 29\n", log.ReadRun(1), StringComparison.Ordinal);
        log.BeginRun();
        log.BeginRun();
        Assert.Equal([2, 3], log.Runs());
        Assert.False(File.Exists(log.RunFile(1) + ".1"));
        // A new log object over the same folder continues the run numbering (supervisor restart).
        log.Dispose();
        using var again = new InstanceLog(home.Path, new LogOptions(), TimeProvider.System);
        Assert.Equal(4, again.BeginRun());
    }

    [Fact]
    public async Task Subscribers_resume_after_the_last_line_they_saw_and_a_lagging_one_is_cut_off()
    {
        using var home = new TempHome();
        using var log = new InstanceLog(home.Path, new LogOptions { SubscriberBuffer = 16 }, TimeProvider.System);
        log.BeginRun();
        for (var i = 0; i < 10; i++)
        {
            Write(log, $"l{i}\n");
        }

        using var cts = new CancellationTokenSource();
        var reader = log.Subscribe(afterSeq: 8, cts.Token); // seq 1 is l0
        Write(log, "l10\n");
        var got = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            got.Add((await reader.ReadAsync()).Text);
        }

        Assert.Equal(["l8", "l9", "l10"], got);

        var slow = log.Subscribe(afterSeq: log.LastSeq, cts.Token);
        for (var i = 0; i < 40; i++)
        {
            Write(log, $"x{i}\n");
        }

        var seen = new List<LogLine>();
        await Assert.ThrowsAsync<LogLagException>(async () =>
        {
            await foreach (var line in slow.ReadAllAsync())
            {
                seen.Add(line);
            }
        });
        Assert.Equal(16, seen.Count);
        var resumed = log.Subscribe(seen[^1].Seq, cts.Token);
        Assert.Equal("x16", (await resumed.ReadAsync()).Text);
        await cts.CancelAsync();
    }

    [Fact]
    public void Lines_that_left_the_memory_tail_are_read_back_from_the_run_files_in_order()
    {
        using var home = new TempHome();
        using var log = new InstanceLog(home.Path, new LogOptions { TailLines = 16, MaxFileBytes = 1 << 20 }, TimeProvider.System);
        log.BeginRun();
        for (var i = 0; i < 100; i++)
        {
            Write(log, $"a{i}\n");
        }

        log.BeginRun();
        for (var i = 0; i < 100; i++)
        {
            Write(log, $"b{i}\n");
        }

        var got = new List<LogLine>();
        long after = 0;
        while (log.Backlog(after, 30) is { Count: > 0 } batch)
        {
            got.AddRange(batch);
            after = batch[^1].Seq;
        }

        got.AddRange(log.Tail(after));
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), got.Select(l => l.Seq));
        Assert.Equal([.. Enumerable.Range(0, 100).Select(i => $"a{i}"), .. Enumerable.Range(0, 100).Select(i => $"b{i}")], got.Select(l => l.Text));
        Assert.Null(log.Backlog(190, 10));
    }

    [Fact]
    public void After_rotation_the_backlog_skips_only_what_was_rotated_away()
    {
        using var home = new TempHome();
        using var log = new InstanceLog(home.Path, new LogOptions { TailLines = 16, MaxFileBytes = 60 }, TimeProvider.System);
        log.BeginRun();
        for (var i = 0; i < 100; i++)
        {
            Write(log, $"line {i:D3}\n"); // 9 bytes: 6 lines per segment
        }

        var got = new List<LogLine>();
        long after = 0;
        while (log.Backlog(after, 1000) is { Count: > 0 } batch)
        {
            got.AddRange(batch);
            after = batch[^1].Seq;
        }

        got.AddRange(log.Tail(after));
        var texts = got.Select(l => l.Text).Where(t => t.StartsWith("line", StringComparison.Ordinal)).ToList();
        // Only the lines still on disk or in memory come back, each with its own sequence number, in order.
        Assert.Equal(texts.Order(StringComparer.Ordinal), texts);
        Assert.Equal("line 099", texts[^1]);
        foreach (var l in got.Where(l => l.Text.StartsWith("line", StringComparison.Ordinal)))
        {
            Assert.Equal(int.Parse(l.Text[5..], System.Globalization.CultureInfo.InvariantCulture) + 1, l.Seq);
        }
    }
}
