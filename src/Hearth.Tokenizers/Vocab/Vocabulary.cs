using System.Text;
using Hearth.Tokenizers.Bpe;

namespace Hearth.Tokenizers.Vocab;

/// <summary>
/// The loaded token table: texts, scores, attributes, text-to-id lookup, special ids and the flags that
/// steer encoding. Defaults and the text-based special-token detection follow llama.cpp's vocabulary
/// loader (llama-vocab.cpp, <c>llama_vocab::impl::load</c>) so that ids match the reference.
/// </summary>
internal sealed class Vocabulary
{
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _spanIds;

    private Vocabulary(VocabularyData data, VocabularyKind kind)
    {
        Kind = kind;
        Count = data.Tokens.Length;
        if (Count == 0)
        {
            throw new TokenizerDataException("tokenizer.ggml.tokens", "the token list is empty");
        }

        if (data.Scores is not null && data.Scores.Length < Count)
        {
            throw new TokenizerDataException("tokenizer.ggml.scores", $"{data.Scores.Length} scores for {Count} tokens");
        }

        if (data.TokenTypes is not null && data.TokenTypes.Length < Count)
        {
            throw new TokenizerDataException("tokenizer.ggml.token_type", $"{data.TokenTypes.Length} types for {Count} tokens");
        }

        Texts = new string[Count];
        Scores = new float[Count];
        Types = new TokenType[Count];
        Attributes = new TokenAttributes[Count];
        _ids = new Dictionary<string, int>(Count, StringComparer.Ordinal);
        for (var i = 0; i < Count; i++)
        {
            var text = data.Tokens[i];
            if (string.IsNullOrEmpty(text))
            {
                text = "[EMPTY_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";
            }

            if (!_ids.TryAdd(text, i))
            {
                throw new TokenizerDataException("tokenizer.ggml.tokens", $"duplicate token '{text}' at ids {_ids[text]} and {i}");
            }

            Texts[i] = text;
            MaxTokenLength = Math.Max(MaxTokenLength, text.Length);
            Scores[i] = data.Scores?[i] ?? 0f;
            var type = data.TokenTypes is null ? TokenType.Normal : (TokenType)data.TokenTypes[i];
            Types[i] = type is >= TokenType.Undefined and <= TokenType.Byte ? type : TokenType.Undefined;
            Attributes[i] = Types[i] switch
            {
                TokenType.Normal => TokenAttributes.Normal,
                TokenType.Unknown => TokenAttributes.Unknown,
                TokenType.Control => TokenAttributes.Control,
                TokenType.UserDefined => TokenAttributes.UserDefined,
                TokenType.Unused => TokenAttributes.Unused,
                TokenType.Byte => TokenAttributes.Byte,
                _ => TokenAttributes.Undefined,
            };
        }

        _spanIds = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        Pre = data.Pre;
        SetDefaults(data);
        ReadSpecialIds(data);
        DetectSpecialTokensByText();
        BuildEndOfGeneration();
        SpecialTokens = BuildSpecialTokenCache();
        ApplyModelSpecificAttributes(data);
    }

    public VocabularyKind Kind { get; }

    public int Count { get; }

    public string? Pre { get; }

    public string[] Texts { get; }

    public float[] Scores { get; }

    public TokenType[] Types { get; }

    public TokenAttributes[] Attributes { get; }

    public int MaxTokenLength { get; }

    public int? Bos { get; private set; }

    public int? Eos { get; private set; }

    public int? Eot { get; private set; }

    public int? Eom { get; private set; }

    public int? Unk { get; private set; }

    public int? Sep { get; private set; }

    public int? Pad { get; private set; }

    public int? Mask { get; private set; }

    public int? FimPre { get; private set; }

    public int? FimSuf { get; private set; }

    public int? FimMid { get; private set; }

    public int? FimPad { get; private set; }

    public int? FimRep { get; private set; }

    public int? FimSep { get; private set; }

    public bool AddBos { get; private set; }

    public bool AddEos { get; private set; }

    public bool AddSep { get; private set; }

    public bool AddSpacePrefix { get; private set; }

    public bool Lowercase { get; private set; } = true;

    public bool StripAccents { get; private set; }

    public HashSet<int> EndOfGeneration { get; } = [];

    /// <summary>Control, user-defined and unknown tokens, longest text first: the candidates of special-token partitioning.</summary>
    public int[] SpecialTokens { get; }

    public static Vocabulary Create(VocabularyData data, VocabularyKind kind) => new(data, kind);

    public int? Find(string text) => _ids.TryGetValue(text, out var id) ? id : null;

    public bool TryFind(ReadOnlySpan<char> text, out int id) => _spanIds.TryGetValue(text, out id);

    public bool Has(TokenAttributes attributes, int id) => (Attributes[id] & attributes) != 0;

    private void SetDefaults(VocabularyData data)
    {
        switch (Kind)
        {
            case VocabularyKind.Spm:
                (Bos, Eos, Unk) = (1, 2, 0);
                AddSpacePrefix = true;
                AddBos = true;
                break;
            case VocabularyKind.WordPiece:
                (Bos, Unk, Sep, Pad, Mask) = (101, 100, 102, 0, 103);
                AddBos = true;
                AddSep = true;
                break;
            case VocabularyKind.Bpe:
                (Bos, Eos) = (11, 11);
                AddBos = BpePreTokenizers.AddsBos(data.Pre);
                if (BpePreTokenizers.NoBos(data.Pre))
                {
                    Bos = null;
                }

                break;
        }

        AddSpacePrefix = data.AddSpacePrefix ?? AddSpacePrefix;
    }

    private void ReadSpecialIds(VocabularyData data)
    {
        int? Pick(int? fallback, long? fromFile)
        {
            if (fallback is { } f && f >= Count)
            {
                fallback = null;
            }

            // An id outside the vocabulary in the file is ignored (llama.cpp warns and keeps the default).
            return fromFile is { } v && v >= 0 && v < Count ? (int)v : fallback;
        }

        Bos = Pick(Bos, data.BosId);
        Eos = Pick(Eos, data.EosId);
        Eot = Pick(null, data.EotId);
        Eom = Pick(null, data.EomId);
        Unk = Pick(Unk, data.UnkId);
        Sep = Pick(Sep, data.SepId);
        Pad = Pick(Pad, data.PadId);
        Mask = Pick(Mask, data.MaskId);
        FimPad = Pick(null, data.FimPadId);
        FimRep = Pick(null, data.FimRepId);
        FimSep = Pick(null, data.FimSepId);
        AddBos = data.AddBos ?? AddBos;
        AddEos = data.AddEos ?? AddEos;
        AddSep = data.AddSep ?? AddSep;
        Lowercase = data.Lowercase ?? true;
        StripAccents = data.StripAccents ?? Lowercase;
    }

    // Token texts that mark turns and fill-in-the-middle roles in well-known models. GGUF files often do
    // not carry ids for them, so (like llama.cpp) they are found by text and forced to Control.
    private static readonly string[] EotTexts =
        ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"];

    private static readonly string[] FimPreTexts = ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"];
    private static readonly string[] FimSufTexts = ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"];
    private static readonly string[] FimMidTexts = ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"];
    private static readonly string[] FimPadTexts = ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"];
    private static readonly string[] FimRepTexts = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"];
    private static readonly string[] FimSepTexts = ["<|file_sep|>"];

    private static readonly string[] EogTexts =
    [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
        "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
        "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[",
    ];

    private int? FindControl(int? current, string[] candidates)
    {
        if (current is not null)
        {
            return current;
        }

        // llama.cpp walks a hash map, so with several candidates its pick is unspecified; lowest id here.
        int? best = null;
        foreach (var text in candidates)
        {
            if (_ids.TryGetValue(text, out var id) && (best is null || id < best))
            {
                best = id;
            }
        }

        if (best is { } b)
        {
            Attributes[b] |= TokenAttributes.Control;
        }

        return best;
    }

    private void DetectSpecialTokensByText()
    {
        Eot = FindControl(Eot, EotTexts);
        if (Eom is null && _ids.TryGetValue("<|eom_id|>", out var eom))
        {
            Eom = eom;
            Attributes[eom] |= TokenAttributes.Control;
        }

        FimPre = FindControl(null, FimPreTexts);
        FimSuf = FindControl(null, FimSufTexts);
        FimMid = FindControl(null, FimMidTexts);
        FimPad = FindControl(FimPad, FimPadTexts);
        FimRep = FindControl(FimRep, FimRepTexts);
        FimSep = FindControl(FimSep, FimSepTexts);

        for (var i = 0; i < Count; i++)
        {
            if (Has(TokenAttributes.Control, i) && Texts[i].Contains("unused", StringComparison.Ordinal))
            {
                Attributes[i] |= TokenAttributes.Unused;
            }
        }
    }

    private void BuildEndOfGeneration()
    {
        foreach (var id in new[] { FimPad, FimRep, FimSep })
        {
            if (id is { } v)
            {
                EndOfGeneration.Add(v);
            }
        }

        foreach (var text in EogTexts)
        {
            if (_ids.TryGetValue(text, out var id))
            {
                EndOfGeneration.Add(id);
                Attributes[id] |= TokenAttributes.Control;
            }
        }

        // gpt-oss: these structure tokens must always be rendered.
        foreach (var text in new[] { "<|channel|>", "<|message|>", "<|start|>", "<|constrain|>" })
        {
            if (_ids.TryGetValue(text, out var id))
            {
                Attributes[id] = TokenAttributes.UserDefined;
            }
        }

        foreach (var id in new[] { Eos, Eot, Eom })
        {
            if (id is { } v)
            {
                EndOfGeneration.Add(v);
            }
        }

        // o200k_harmony / solar-open: "<|end|>" ends a message, not the generation.
        bool Eog(string text) => _ids.TryGetValue(text, out var id) && EndOfGeneration.Contains(id);
        if (_ids.TryGetValue("<|end|>", out var end) && EndOfGeneration.Contains(end)
            && ((Eog("<|return|>") && Eog("<|call|>")) || ((Eog("<|call|>") || Eog("<|calls|>")) && Eog("<|flush|>"))))
        {
            EndOfGeneration.Remove(end);
            Attributes[end] = TokenAttributes.UserDefined;
        }

        // gemma4 / paddleocr: "</s>" is ordinary text there.
        if (Eog("<|tool_response>") && _ids.TryGetValue("</s>", out var s) && EndOfGeneration.Contains(s))
        {
            EndOfGeneration.Remove(s);
            Attributes[s] = TokenAttributes.Normal;
        }
    }

    private int[] BuildSpecialTokenCache()
    {
        var list = new List<int>();
        for (var i = 0; i < Count; i++)
        {
            if (Has(TokenAttributes.Control | TokenAttributes.UserDefined | TokenAttributes.Unknown, i))
            {
                list.Add(i);
            }
        }

        // Longest first (in UTF-8 bytes, as the reference measures), ties by id so the order is deterministic.
        return [.. list.OrderByDescending(i => Encoding.UTF8.GetByteCount(Texts[i])).ThenBy(i => i)];
    }

    private void ApplyModelSpecificAttributes(VocabularyData data)
    {
        var name = (data.ModelName ?? string.Empty).ToLowerInvariant();
        var pre = data.Pre ?? string.Empty;
        var arch = data.Architecture ?? string.Empty;
        void Set(string text, TokenAttributes attribute, bool on)
        {
            if (_ids.TryGetValue(text, out var id))
            {
                Attributes[id] = on ? Attributes[id] | attribute : Attributes[id] & ~attribute;
            }
        }

        if (pre.Contains("jina-v2-de", StringComparison.Ordinal) || pre.Contains("jina-v2-es", StringComparison.Ordinal)
            || pre.Contains("jina-v2-code", StringComparison.Ordinal) || arch.Contains("nomic-bert-moe", StringComparison.Ordinal)
            || arch.Contains("jina-bert-v3", StringComparison.Ordinal))
        {
            Set("<mask>", TokenAttributes.LStrip, true);
        }
        else if (name.Contains("phi-3", StringComparison.Ordinal) || name.Contains("phi3", StringComparison.Ordinal))
        {
            // Phi-3's tokenizer strips whitespace after its special tokens.
            foreach (var id in SpecialTokens)
            {
                Attributes[id] |= TokenAttributes.RStrip;
            }

            Set("</s>", TokenAttributes.RStrip, true);
            foreach (var text in new[] { "<unk>", "<s>", "<|endoftext|>" })
            {
                Set(text, TokenAttributes.RStrip, false);
            }
        }
        else if (name.Contains("modern-bert", StringComparison.Ordinal))
        {
            Set("[MASK]", TokenAttributes.LStrip, true);
        }
    }
}
