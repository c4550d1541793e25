using System.Globalization;
using System.Text;
using System.Threading.Channels;

namespace Hearth.Instances.Logs;

/// <summary>
/// An instance's output: one append-only file per run (run-000007.log; nothing is truncated on restart), rotated by
/// size, the last N runs kept; an in-memory tail with a sequence number per line; live subscribers that can resume
/// from the last sequence number they saw. Output arrives as bytes and is split into lines here.
/// </summary>
public sealed class InstanceLog : IDisposable
{
    private const int MaxLineBytes = 64 * 1024;
    private readonly string _folder;
    private readonly LogOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly LogLine[] _ring;
    private readonly List<Channel<LogLine>> _subscribers = [];
    private readonly MemoryStream _partial = new();
    private long _ringCount;
    private long _seq;
    private FileStream? _file;
    private int _run;

    // Where each run's lines start in the sequence, and how many of its first lines rotation has dropped: a line at
    // index k of the run's files (rotated part first) has Seq = FirstSeq + Dropped + k. Lets a client that fell out
    // of the in-memory tail resume from disk.
    private readonly List<RunStart> _runStarts = [];
    private long _segmentLines;
    private long _rotatedLines;

    private sealed class RunStart(int run, long firstSeq)
    {
        public int Run { get; } = run;

        public long FirstSeq { get; } = firstSeq;

        public long Dropped { get; set; }
    }

    public InstanceLog(string folder, LogOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _folder = folder;
        _options = options;
        _time = time;
        _ring = new LogLine[Math.Max(16, options.TailLines)];
        Directory.CreateDirectory(folder);
        _run = Runs().LastOrDefault();
    }

    public int CurrentRun => _run;

    public long LastSeq => Interlocked.Read(ref _seq);

    /// <summary>The run numbers with a file on disk, oldest first.</summary>
    public IReadOnlyList<int> Runs() => Directory.EnumerateFiles(_folder, "run-*.log")
        .Select(f => int.TryParse(Path.GetFileNameWithoutExtension(f)[4..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
        .Where(n => n > 0).Order().ToList();

    public string RunFile(int run) => Path.Combine(_folder, $"run-{run:D6}.log");

    /// <summary>Starts the next run's file and removes the oldest runs beyond the kept count.</summary>
    public int BeginRun()
    {
        lock (_lock)
        {
            FlushPartial();
            _file?.Dispose();
            _run++;
            _file = OpenFile(_run);
            StartSegmentCounts();
            foreach (var old in Runs().SkipLast(_options.KeepRuns))
            {
                TryDelete(RunFile(old));
                TryDelete(RunFile(old) + ".1");
            }

            return _run;
        }
    }

    /// <summary>Appends raw output; complete lines are stored, a trailing partial line waits for its end.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        lock (_lock)
        {
            while (bytes.Length > 0)
            {
                var nl = bytes.IndexOf((byte)'\n');
                if (nl < 0)
                {
                    _partial.Write(bytes);
                    if (_partial.Length >= MaxLineBytes)
                    {
                        FlushPartial();
                    }

                    break;
                }

                if (_partial.Length > 0)
                {
                    _partial.Write(bytes[..nl]);
                    EmitLine(_partial.GetBuffer().AsSpan(0, (int)_partial.Length));
                    _partial.SetLength(0);
                }
                else
                {
                    EmitLine(bytes[..nl]);
                }

                bytes = bytes[(nl + 1)..];
            }

            _file?.Flush();
        }
    }

    /// <summary>A line from the supervisor itself ("[hearth] ..."), written into the run's log like the process's own.</summary>
    public void Note(string text)
    {
        lock (_lock)
        {
            FlushPartial();
            EmitLine(Encoding.UTF8.GetBytes("[hearth] " + text));
            _file?.Flush();
        }
    }

    /// <summary>Lines after <paramref name="afterSeq"/> still in memory, at most <paramref name="max"/> (the latest ones).</summary>
    public IReadOnlyList<LogLine> Tail(long afterSeq = 0, int max = int.MaxValue)
    {
        lock (_lock)
        {
            var oldest = Math.Max(_seq - Math.Min(_ringCount, _ring.Length) + 1, afterSeq + 1);
            oldest = Math.Max(oldest, _seq - max + 1);
            var list = new List<LogLine>((int)Math.Max(0, _seq - oldest + 1));
            for (var s = oldest; s <= _seq; s++)
            {
                list.Add(_ring[(s - 1) % _ring.Length]);
            }

            return list;
        }
    }

    /// <summary>
    /// Lines after <paramref name="afterSeq"/>: those still in memory first, then live ones, in order, none twice. A
    /// subscriber that falls too far behind has its channel completed; it resumes with the last Seq it got.
    /// </summary>
    public ChannelReader<LogLine> Subscribe(long afterSeq, CancellationToken cancellation)
    {
        var channel = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(_options.SubscriberBuffer) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        lock (_lock)
        {
            foreach (var line in Tail(afterSeq))
            {
                if (!channel.Writer.TryWrite(line))
                {
                    break;
                }
            }

            _subscribers.Add(channel);
        }

        cancellation.Register(() =>
        {
            lock (_lock)
            {
                _subscribers.Remove(channel);
            }

            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    /// <summary>
    /// Lines after <paramref name="afterSeq"/> that are no longer in memory, read back from the run files (at most
    /// <paramref name="max"/>); null when the memory tail already covers that point (or nothing older is on disk).
    /// </summary>
    public IReadOnlyList<LogLine>? Backlog(long afterSeq, int max)
    {
        lock (_lock)
        {
            var oldestInRing = _seq - Math.Min(_ringCount, _ring.Length) + 1;
            var want = afterSeq + 1;
            if (want >= oldestInRing)
            {
                return null;
            }

            var index = _runStarts.FindLastIndex(r => r.FirstSeq <= want);
            if (index < 0)
            {
                return null;
            }

            _file?.Flush();
            var start = _runStarts[index];
            var end = index + 1 < _runStarts.Count ? _runStarts[index + 1].FirstSeq : _seq + 1;
            var file = RunFile(start.Run);
            var lines = new List<LogLine>();
            var seq = start.FirstSeq + start.Dropped;
            foreach (var part in new[] { file + ".1", file })
            {
                if (!File.Exists(part))
                {
                    continue;
                }

                using var stream = new FileStream(part, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                while (lines.Count < max && seq < end && seq < oldestInRing && reader.ReadLine() is { } text)
                {
                    if (seq >= want)
                    {
                        lines.Add(new LogLine(seq, start.Run, _time.GetUtcNow(), text));
                    }

                    seq++;
                }
            }

            // Lines rotation dropped cannot be sent; the next call continues after them.
            if (lines.Count == 0 && want < start.FirstSeq + start.Dropped)
            {
                return [new LogLine(start.FirstSeq + start.Dropped - 1, start.Run, _time.GetUtcNow(), "[hearth] (older lines of this run were rotated away)")];
            }

            return lines;
        }
    }

    /// <summary>The text of a run's file (its rotated part first), or null when that run has no file.</summary>
    public string? ReadRun(int run)
    {
        lock (_lock)
        {
            _file?.Flush();
            var file = RunFile(run);
            if (!File.Exists(file))
            {
                return null;
            }

            var rotated = file + ".1";
            return (File.Exists(rotated) ? ReadShared(rotated) : "") + ReadShared(file);
        }
    }

    private static string ReadShared(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private void FlushPartial()
    {
        if (_partial.Length > 0)
        {
            EmitLine(_partial.GetBuffer().AsSpan(0, (int)_partial.Length));
            _partial.SetLength(0);
        }
    }

    private void EmitLine(ReadOnlySpan<byte> raw)
    {
        if (raw.Length > 0 && raw[^1] == (byte)'\r')
        {
            raw = raw[..^1];
        }

        if (_file is null)
        {
            _run = Math.Max(_run, 1);
            _file = OpenFile(_run);
            StartSegmentCounts();
        }

        if (_file.Length + raw.Length + 1 > _options.MaxFileBytes && _file.Length > 0)
        {
            Rotate();
        }

        _file!.Write(raw);
        _file.WriteByte((byte)'\n');
        _segmentLines++;
        var line = new LogLine(++_seq, _run, _time.GetUtcNow(), Encoding.UTF8.GetString(raw));
        _ring[(line.Seq - 1) % _ring.Length] = line;
        _ringCount++;
        for (var i = _subscribers.Count - 1; i >= 0; i--)
        {
            if (!_subscribers[i].Writer.TryWrite(line))
            {
                // Too slow: cut it off rather than block the process's output; it resumes from the tail.
                _subscribers[i].Writer.TryComplete(new LogLagException(line.Seq));
                _subscribers.RemoveAt(i);
            }
        }
    }

    private void StartSegmentCounts()
    {
        // A run file that already has lines (a supervisor restart appending to it) cannot be indexed: not recorded.
        if (_file!.Length == 0)
        {
            _runStarts.Add(new RunStart(_run, _seq + 1));
        }

        _segmentLines = 0;
        _rotatedLines = 0;
    }

    private void Rotate()
    {
        var file = RunFile(_run);
        _file!.Dispose();
        if (_runStarts.Count > 0 && _runStarts[^1].Run == _run)
        {
            _runStarts[^1].Dropped += _rotatedLines; // the old .1 is overwritten
        }

        _rotatedLines = _segmentLines;
        _segmentLines = 0;
        File.Move(file, file + ".1", overwrite: true);
        _file = OpenFile(_run);
    }

    private FileStream OpenFile(int run) =>
        new(RunFile(run), FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            FlushPartial();
            _file?.Dispose();
            _file = null;
            foreach (var s in _subscribers)
            {
                s.Writer.TryComplete();
            }

            _subscribers.Clear();
        }
    }
}

/// <summary>A log subscriber fell too far behind and was cut off; it should resume from its last sequence number.</summary>
public sealed class LogLagException : Exception
{
    public LogLagException(long seq)
        : base($"log subscriber fell behind at line {seq}") => Seq = seq;

    public LogLagException()
    {
    }

    public LogLagException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public long Seq { get; }
}
