using System.Text;
using Hearth.Gguf;
using Hearth.Tokenizers.Bpe;
using Hearth.Tokenizers.Spm;
using Hearth.Tokenizers.Vocab;
using Hearth.Tokenizers.WordPiece;

namespace Hearth.Tokenizers;

/// <summary>
/// Text to token ids and back, for the vocabulary stored in a GGUF file. Built by <see cref="FromGguf"/>;
/// the ids match llama.cpp's tokenizer for the same file. Instances are immutable and thread-safe.
/// <para>
/// Input text is UTF-8 in the model's view: invalid input (lone UTF-16 surrogates in a string, invalid byte
/// sequences given to <see cref="Encode(ReadOnlySpan{byte}, bool, bool)"/>) is replaced by U+FFFD before
/// tokenizing, never an error.
/// </para>
/// </summary>
public abstract class Tokenizer
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly byte[][] _pieces;
    private readonly HashSet<int> _eog;

    private protected Tokenizer(Vocabulary vocab)
    {
        Vocab = vocab;
        _eog = [.. vocab.EndOfGeneration];
        _pieces = new byte[vocab.Count][];
        for (var i = 0; i < vocab.Count; i++)
        {
            _pieces[i] = BuildPiece(i);
        }
    }

    internal Vocabulary Vocab { get; }

    /// <summary>Number of tokens in the vocabulary.</summary>
    public int VocabSize => Vocab.Count;

    /// <summary>The algorithm: "llama" (SentencePiece), "gpt2" (byte-level BPE) or "bert" (WordPiece).</summary>
    public abstract string Model { get; }

    /// <summary>The BPE pre-tokenizer name (<c>tokenizer.ggml.pre</c>), if any.</summary>
    public string? PreTokenizer => Vocab.Pre;

    public int? BosId => Vocab.Bos;

    public int? EosId => Vocab.Eos;

    public int? EotId => Vocab.Eot;

    public int? EomId => Vocab.Eom;

    public int? UnkId => Vocab.Unk;

    public int? PadId => Vocab.Pad;

    public int? SepId => Vocab.Sep;

    /// <summary>Whether <see cref="Encode(string, bool, bool)"/> with addSpecial prepends BOS.</summary>
    public bool AddBos => Vocab.AddBos;

    /// <summary>Whether <see cref="Encode(string, bool, bool)"/> with addSpecial appends EOS.</summary>
    public bool AddEos => Vocab.AddEos;

    /// <summary>
    /// Tokens that end generation: EOS, EOT, EOM and end-of-turn tokens found in the vocabulary by text
    /// (<c>&lt;|im_end|&gt;</c>, <c>&lt;|eot_id|&gt;</c>, <c>&lt;|endoftext|&gt;</c>, <c>&lt;end_of_turn&gt;</c>, ...), as llama.cpp does.
    /// </summary>
    public IReadOnlySet<int> EndOfGenerationIds => _eog;

    public bool IsEndOfGeneration(int id) => _eog.Contains(id);

    /// <summary>Builds the tokenizer described by a GGUF file's <c>tokenizer.ggml.*</c> metadata.</summary>
    /// <exception cref="NotSupportedException">The model or pre-tokenizer is not one Hearth implements.</exception>
    /// <exception cref="TokenizerDataException">The metadata is missing or inconsistent.</exception>
    public static Tokenizer FromGguf(GgufMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return FromData(VocabularyData.Read(key => GgufValues.Get(metadata, key)));
    }

    /// <summary>Opens a GGUF file (a vocabulary-only file or a whole model) and builds its tokenizer.</summary>
    public static Tokenizer FromGgufFile(string path)
    {
        using var file = GgufFile.Open(path);
        return FromGguf(file.Metadata);
    }

    internal static Tokenizer FromData(VocabularyData data) => data.Model switch
    {
        "llama" => new SpmTokenizer(Vocabulary.Create(data, VocabularyKind.Spm)),
        "gpt2" => new BpeTokenizer(Vocabulary.Create(data, VocabularyKind.Bpe), data.Merges
            ?? throw new TokenizerDataException("tokenizer.ggml.merges", "a gpt2 (BPE) tokenizer needs merges")),
        "bert" => new WordPieceTokenizer(Vocabulary.Create(data, VocabularyKind.WordPiece)),
        _ => throw new NotSupportedException($"tokenizer model '{data.Model}' is not supported; supported: llama, gpt2, bert"),
    };

    /// <summary>
    /// Token ids of <paramref name="text"/>. <paramref name="addSpecial"/> adds BOS/EOS (SEP/CLS for bert) as the
    /// vocabulary says; <paramref name="parseSpecial"/> turns control tokens written in the text (e.g.
    /// <c>&lt;|im_start|&gt;</c>) into their ids instead of tokenizing their characters. Empty text gives no ids
    /// (just the added special tokens).
    /// </summary>
    public int[] Encode(string text, bool addSpecial = true, bool parseSpecial = false) =>
        Encode(text, addSpecial, parseSpecial, counters: null);

    /// <summary>Token ids of UTF-8 <paramref name="utf8"/>; invalid byte sequences become U+FFFD (one per maximal invalid subpart).</summary>
    public int[] Encode(ReadOnlySpan<byte> utf8, bool addSpecial = true, bool parseSpecial = false) =>
        Encode(Utf8.GetString(utf8), addSpecial, parseSpecial, counters: null);

    internal int[] Encode(string text, bool addSpecial, bool parseSpecial, EncodeCounters? counters)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = SanitizeUtf16(text);
        var fragments = SpecialTokenPartitioner.Partition(Vocab, text, parseSpecial);
        var output = new List<int>(text.Length / 3 + 4);
        EncodeFragments(text, fragments, addSpecial, output, counters);
        return [.. output];
    }

    private protected abstract void EncodeFragments(string text, List<Fragment> fragments, bool addSpecial, List<int> output, EncodeCounters? counters);

    /// <summary>
    /// Text of <paramref name="ids"/>. Bytes of consecutive tokens are joined before decoding, so characters split
    /// across tokens come out whole; bytes that never form valid UTF-8 become U+FFFD. Control and unknown tokens
    /// are written as their text unless <paramref name="skipSpecial"/>. For SentencePiece vocabularies with a space
    /// prefix, the leading space of the first written piece is removed (the inverse of the prefix Encode adds).
    /// No clean-up of spaces before punctuation is done, so decoding is exact.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecial = false)
    {
        var bytes = new List<byte>(ids.Length * 4);
        var stripSpace = Vocab.AddSpacePrefix;
        foreach (var id in ids)
        {
            var piece = Piece(id, skipSpecial);
            if (piece.Length == 0)
            {
                continue;
            }

            if (stripSpace && piece[0] == (byte)' ')
            {
                piece = piece[1..];
            }

            stripSpace = false;
            bytes.AddRange(piece);
        }

        return Utf8.GetString(bytes.ToArray());
    }

    /// <summary>The token's text as stored in the vocabulary (e.g. "▁the", "Ġthe", "&lt;0x0A&gt;").</summary>
    public string TokenText(int id) => Vocab.Texts[CheckId(id)];

    /// <summary>The bytes the token contributes to decoded text (a byte token gives its one byte, which may be part of a character).</summary>
    public byte[] TokenBytes(int id) => (byte[])_pieces[CheckId(id)].Clone();

    public TokenType GetTokenType(int id) => Vocab.Types[CheckId(id)];

    /// <summary>Whether the token is a control token (BOS, EOS, chat markers), including tokens detected as such by text.</summary>
    public bool IsControl(int id) => Vocab.Has(TokenAttributes.Control, CheckId(id));

    /// <summary>
    /// A decoder for streamed generation: push ids one by one and get text back as soon as characters are complete
    /// (it never emits half of a UTF-8 sequence). Unlike <see cref="Decode"/> it keeps a leading space, because
    /// generated text continues the prompt.
    /// </summary>
    public StreamingDecoder CreateStreamingDecoder(bool skipSpecial = false) => new(this, skipSpecial);

    internal ReadOnlySpan<byte> Piece(int id, bool skipSpecial)
    {
        CheckId(id);
        if (skipSpecial && Vocab.Has(TokenAttributes.Control | TokenAttributes.Unknown, id))
        {
            return default;
        }

        return _pieces[id];
    }

    /// <summary>The decoded bytes of a normal token (format-specific: ▁ to space, GPT-2 byte characters to bytes).</summary>
    private protected abstract byte[] NormalPiece(string text);

    private byte[] BuildPiece(int id)
    {
        var attr = Vocab.Attributes[id];
        var text = Vocab.Texts[id];
        if ((attr & (TokenAttributes.Control | TokenAttributes.Unknown | TokenAttributes.UserDefined)) != 0)
        {
            return Utf8.GetBytes(text);
        }

        if ((attr & TokenAttributes.Normal) != 0)
        {
            return NormalPiece(text);
        }

        if ((attr & TokenAttributes.Byte) != 0 && TryParseByteToken(text, out var b))
        {
            return [b];
        }

        // Unused/undefined tokens decode to nothing, as in the reference.
        return [];
    }

    /// <summary>Parses "&lt;0xNN&gt;".</summary>
    internal static bool TryParseByteToken(string text, out byte value)
    {
        value = 0;
        return text.Length == 6 && text.StartsWith("<0x", StringComparison.Ordinal) && text[5] == '>'
            && byte.TryParse(text.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out value);
    }

    private int CheckId(int id) => (uint)id < (uint)Vocab.Count
        ? id
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"token id outside the vocabulary (size {Vocab.Count})");

    /// <summary>Replaces lone surrogates with U+FFFD so the text is valid UTF-16 (and thus valid UTF-8).</summary>
    internal static string SanitizeUtf16(string text)
    {
        var span = text.AsSpan();
        var first = span.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0)
        {
            return text;
        }

        var chars = text.ToCharArray();
        for (var i = first; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(chars[i]))
            {
                chars[i] = '\uFFFD';
            }
        }

        return new string(chars);
    }

    private protected static void AddIf(List<int> output, bool condition, int? id)
    {
        if (condition && id is { } v)
        {
            output.Add(v);
        }
    }
}
