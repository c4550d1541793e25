namespace Hearth.Engine.Sampling;

/// <summary>
/// The model produced NaN or +Infinity logits: a broken model file or a numeric bug. Such logits are
/// reported, never sampled, because any token drawn from them would be meaningless.
/// </summary>
public sealed class NonFiniteLogitsException : Exception
{
    public NonFiniteLogitsException(int tokenId, float value)
        : base($"The model produced a non-finite logit ({value}) for token {tokenId}; the model file or its weights are likely corrupt.")
    {
        TokenId = tokenId;
        Value = value;
    }

    public int TokenId { get; }

    public float Value { get; }
}
