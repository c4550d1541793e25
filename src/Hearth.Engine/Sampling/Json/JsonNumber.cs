namespace Hearth.Engine.Sampling;

/// <summary>The JSON number grammar (RFC 8259 section 6) as byte transitions, shared by the JSON automata.</summary>
internal static class JsonNumber
{
    internal enum State : byte
    {
        Start,
        Minus,
        Zero,
        Int,
        Dot,
        Frac,
        Exp,
        ExpSign,
        ExpDigits,
    }

    /// <summary>The state after <paramref name="c"/>, or null when it cannot continue the number; integers take no
    /// fraction or exponent.</summary>
    public static State? Next(State state, byte c, bool integer = false)
    {
        var digit = c is >= (byte)'0' and <= (byte)'9';
        var exponent = !integer && c is (byte)'e' or (byte)'E';
        var dot = !integer && c == (byte)'.';
        return state switch
        {
            State.Start => c == (byte)'-' ? State.Minus : c == (byte)'0' ? State.Zero : digit ? State.Int : null,
            State.Minus => c == (byte)'0' ? State.Zero : digit ? State.Int : null,
            State.Zero => dot ? State.Dot : exponent ? State.Exp : null,
            State.Int => digit ? State.Int : dot ? State.Dot : exponent ? State.Exp : null,
            State.Dot => digit ? State.Frac : null,
            State.Frac => digit ? State.Frac : exponent ? State.Exp : null,
            State.Exp => c is (byte)'+' or (byte)'-' ? State.ExpSign : digit ? State.ExpDigits : null,
            _ => digit ? State.ExpDigits : null,
        };
    }

    /// <summary>Whether the number may end here.</summary>
    public static bool IsComplete(State state) => state is State.Zero or State.Int or State.Frac or State.ExpDigits;
}
