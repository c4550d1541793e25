namespace Hearth.Instances.Logs;

public sealed class LogOptions
{
    /// <summary>A run's file is rotated (to run-N.log.1, replacing the previous rotation) past this size. Default 20 MiB.</summary>
    public long MaxFileBytes { get; set; } = 20L << 20;

    /// <summary>Runs whose logs are kept on disk. Default 5.</summary>
    public int KeepRuns { get; set; } = 5;

    /// <summary>Lines kept in memory for the tail and for resuming streams. Default 100000.</summary>
    public int TailLines { get; set; } = 100_000;

    /// <summary>Lines a live subscriber may fall behind before it is cut off (it then resumes from the tail). Default 100000.</summary>
    public int SubscriberBuffer { get; set; } = 100_000;
}
