namespace Hearth.Engine.Sampling;

/// <summary>What generated text must stay a prefix of, checked on a token's bytes before it is chosen.</summary>
public interface IJsonConstraint
{
    /// <summary>The text is complete: the end of generation may come (and nothing else).</summary>
    bool IsComplete { get; }

    /// <summary>Whether <paramref name="bytes"/> may follow the text so far (nothing changes).</summary>
    bool Accepts(ReadOnlySpan<byte> bytes);

    /// <summary>Appends <paramref name="bytes"/> if they may follow; false (and nothing changes) otherwise.</summary>
    bool TryAppend(ReadOnlySpan<byte> bytes);

    /// <summary>A complete text may still go on (parallel tool calls: another call may follow one that is complete), so
    /// the sampler lets both the end of generation and the bytes <see cref="Accepts"/> takes through.</summary>
    bool ContinuesAfterComplete => false;
}

/// <summary>JSON mode: one JSON object of any shape (<see cref="JsonPrefix"/>).</summary>
public sealed class JsonObjectConstraint : IJsonConstraint
{
    private JsonPrefix state;

    public bool IsComplete => state.IsComplete;

    public bool Accepts(ReadOnlySpan<byte> bytes) => state.Accepts(bytes);

    public bool TryAppend(ReadOnlySpan<byte> bytes) => state.TryAppend(bytes);
}
