namespace Hearth.Engine;

/// <summary>
/// One token of a forward batch: its id, its position in its sequence, the cache slot (sequence)
/// it belongs to, and whether the caller wants its logits.
/// </summary>
public readonly record struct BatchToken(int Token, int Position, int Slot, bool WantLogits);
