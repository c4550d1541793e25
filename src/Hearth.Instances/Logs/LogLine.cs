namespace Hearth.Instances.Logs;

/// <summary>One line of an instance's output. <see cref="Seq"/> grows by one per line across runs (a resume point).</summary>
public sealed record LogLine(long Seq, int Run, DateTimeOffset Time, string Text);
