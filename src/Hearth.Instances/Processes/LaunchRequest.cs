namespace Hearth.Instances.Processes;

/// <summary>What to spawn: a bash script line, where, with which environment; output goes to <see cref="Output"/>.</summary>
public sealed record LaunchRequest(string Script, string WorkingDirectory, IReadOnlyDictionary<string, string> Environment, Action<ReadOnlyMemory<byte>> Output);
