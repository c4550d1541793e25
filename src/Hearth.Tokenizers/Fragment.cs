namespace Hearth.Tokenizers;

/// <summary>A piece of the input: either raw text (Token &lt; 0) at [Start, Start+Length) or an already-matched special token.</summary>
internal readonly record struct Fragment(int Token, int Start, int Length)
{
    public bool IsText => Token < 0;

    public static Fragment Text(int start, int length) => new(-1, start, length);
}
