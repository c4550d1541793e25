namespace Hearth.Tokenizers.Bpe;

/// <summary>
/// GPT-2's byte-to-unicode table: byte-level BPE vocabularies spell every byte as a printable character.
/// Printable Latin-1 bytes (33..126, 161..172, 174..255) stand for themselves; the other 68 bytes map, in
/// order, to U+0100 upwards (so a space is 'Ġ' U+0120 and a newline 'Ċ' U+010A).
/// </summary>
internal static class ByteLevel
{
    public static readonly char[] ByteToChar = BuildEncoder();

    /// <summary>Inverse table, indexed by character; -1 where a character is not a byte's stand-in.</summary>
    public static readonly short[] CharToByte = BuildDecoder();

    private static bool Printable(int b) => b is (>= 33 and <= 126) or (>= 161 and <= 172) or (>= 174 and <= 255);

    private static char[] BuildEncoder()
    {
        var table = new char[256];
        var n = 0;
        for (var b = 0; b < 256; b++)
        {
            table[b] = Printable(b) ? (char)b : (char)(256 + n++);
        }

        return table;
    }

    private static short[] BuildDecoder()
    {
        var table = new short[256 + 68];
        Array.Fill(table, (short)-1);
        for (var b = 0; b < 256; b++)
        {
            table[ByteToChar[b]] = (short)b;
        }

        return table;
    }
}
