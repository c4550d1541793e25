namespace Hearth.Engine.Execution;

/// <summary>
/// A unit of parallel work: items [0, count) handed out one at a time to the pool's threads.
/// Jobs are long-lived objects whose fields are set before each run, so dispatch allocates nothing.
/// </summary>
internal abstract class ParallelJob
{
    /// <summary>Runs one item; <paramref name="thread"/> indexes per-thread scratch (0 = the caller).</summary>
    public abstract void Execute(int item, int thread);
}
