namespace Hearth.Instances.Supervision;

/// <summary>Counts starts in a sliding window; past the limit the instance is failed until reset (as systemd's StartLimitBurst).</summary>
public sealed class StartLimiter
{
    private readonly Queue<DateTimeOffset> _starts = new();
    private readonly BackoffOptions _options;

    public StartLimiter(BackoffOptions options) => _options = options;

    /// <summary>Records a start at <paramref name="now"/> when allowed; false when the window already holds the limit.</summary>
    public bool TryStart(DateTimeOffset now)
    {
        while (_starts.Count > 0 && now - _starts.Peek() >= _options.StartWindow)
        {
            _starts.Dequeue();
        }

        if (_starts.Count >= _options.StartLimit)
        {
            return false;
        }

        _starts.Enqueue(now);
        return true;
    }

    public void Reset() => _starts.Clear();
}
