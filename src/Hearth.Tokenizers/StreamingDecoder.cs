using System.Text;

namespace Hearth.Tokenizers;

/// <summary>
/// Turns a stream of token ids into text without ever emitting a broken character: bytes of an incomplete UTF-8
/// sequence are held until a later token completes it. Bytes that can never become valid UTF-8 come out as U+FFFD.
/// Not thread-safe; one per generated stream.
/// </summary>
public sealed class StreamingDecoder
{
    private readonly Tokenizer _tokenizer;
    private readonly bool _skipSpecial;
    private readonly Decoder _decoder = new UTF8Encoding(false, false).GetDecoder();
    private char[] _chars = new char[64];

    internal StreamingDecoder(Tokenizer tokenizer, bool skipSpecial)
    {
        _tokenizer = tokenizer;
        _skipSpecial = skipSpecial;
    }

    /// <summary>Adds one token; returns the text that became complete (possibly empty).</summary>
    public string Push(int id) => Decode(_tokenizer.Piece(id, _skipSpecial), flush: false);

    /// <summary>Ends the stream: returns any held bytes (as U+FFFD when they never completed a character).</summary>
    public string Flush() => Decode([], flush: true);

    private string Decode(ReadOnlySpan<byte> bytes, bool flush)
    {
        // Every byte must reach the decoder (it keeps an incomplete sequence as state); a partial UTF-8 sequence
        // yields at most one replacement per byte plus the held bytes, so this bound always suffices.
        var max = bytes.Length + 4;
        if (_chars.Length < max)
        {
            _chars = new char[Math.Max(max, _chars.Length * 2)];
        }

        var n = _decoder.GetChars(bytes, _chars, flush);
        return new string(_chars, 0, n);
    }
}
