namespace Hearth.Tokenizers;

/// <summary>
/// Work counters for one encode call, used by tests to check that encoding time grows near-linearly with the
/// input (they count merge-loop iterations instead of timing anything).
/// </summary>
internal sealed class EncodeCounters
{
    /// <summary>Iterations of the merge loops (queue pops) and greedy-match probes.</summary>
    public long Steps { get; set; }
}
