namespace Hearth.Tokenizers.Vocab;

/// <summary>
/// Everything a tokenizer needs from a model file, as plain data. <see cref="Tokenizer.FromGguf"/> fills it
/// from GGUF metadata; tests can build it directly. Null means "not present in the file".
/// </summary>
internal sealed class VocabularyData
{
    public required string Model { get; init; }

    public string? Pre { get; init; }

    public string? ModelName { get; init; }

    public string? Architecture { get; init; }

    public required string[] Tokens { get; init; }

    public float[]? Scores { get; init; }

    public int[]? TokenTypes { get; init; }

    public string[]? Merges { get; init; }

    public long? BosId { get; init; }

    public long? EosId { get; init; }

    public long? EotId { get; init; }

    public long? EomId { get; init; }

    public long? UnkId { get; init; }

    public long? SepId { get; init; }

    public long? PadId { get; init; }

    public long? MaskId { get; init; }

    public long? FimPadId { get; init; }

    public long? FimRepId { get; init; }

    public long? FimSepId { get; init; }

    public bool? AddBos { get; init; }

    public bool? AddEos { get; init; }

    public bool? AddSep { get; init; }

    public bool? AddSpacePrefix { get; init; }

    public bool? Lowercase { get; init; }

    public bool? StripAccents { get; init; }

    /// <summary>
    /// Reads the <c>tokenizer.ggml.*</c> keys through <paramref name="get"/>, which returns null for a missing key
    /// and otherwise a string, long, bool, string[], float[] or int[].
    /// </summary>
    public static VocabularyData Read(Func<string, object?> get)
    {
        ArgumentNullException.ThrowIfNull(get);
        const string p = "tokenizer.ggml.";
        return new VocabularyData
        {
            Model = get(p + "model") as string ?? throw new TokenizerDataException(p + "model", "the file has no tokenizer model"),
            Pre = get(p + "pre") as string,
            ModelName = get("general.name") as string,
            Architecture = get("general.architecture") as string,
            Tokens = get(p + "tokens") as string[] ?? throw new TokenizerDataException(p + "tokens", "the file has no token list"),
            Scores = get(p + "scores") switch { float[] f => f, int[] i => Array.ConvertAll(i, x => (float)x), _ => null },
            TokenTypes = get(p + "token_type") as int[],
            Merges = get(p + "merges") as string[],
            BosId = get(p + "bos_token_id") as long?,
            EosId = get(p + "eos_token_id") as long?,
            EotId = get(p + "eot_token_id") as long?,
            EomId = get(p + "eom_token_id") as long?,
            UnkId = get(p + "unknown_token_id") as long?,
            // "seperator" is the key's real spelling in GGUF.
            SepId = get(p + "seperator_token_id") as long?,
            PadId = get(p + "padding_token_id") as long?,
            MaskId = get(p + "mask_token_id") as long?,
            FimPadId = get(p + "fim_pad_token_id") as long?,
            FimRepId = get(p + "fim_rep_token_id") as long?,
            FimSepId = get(p + "fim_sep_token_id") as long?,
            AddBos = get(p + "add_bos_token") as bool?,
            AddEos = get(p + "add_eos_token") as bool?,
            AddSep = get(p + "add_sep_token") as bool?,
            AddSpacePrefix = get(p + "add_space_prefix") as bool?,
            Lowercase = get(p + "normalizer.lowercase") as bool?,
            StripAccents = get(p + "normalizer.strip_accents") as bool?,
        };
    }
}
