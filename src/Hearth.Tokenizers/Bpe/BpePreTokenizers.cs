namespace Hearth.Tokenizers.Bpe;

/// <summary>
/// The pre-tokenizer of each <c>tokenizer.ggml.pre</c> value: an ordered list of regexes (each one splits
/// the pieces the previous produced, keeping matches and the gaps between them) plus the flags the reference
/// sets for that name. The patterns are those of llama.cpp's <c>llm_tokenizer_bpe</c> (themselves taken from
/// each model's tokenizer.json), rewritten for .NET: <c>$</c> becomes <c>\z</c> (ECMAScript <c>$</c> does not
/// match before a final newline), <c>\d</c> becomes <c>[0-9]</c> (ECMAScript digits are ASCII only),
/// and the supplementary-plane letter ranges of deepseek-llm are omitted (.NET classes hold UTF-16 units).
/// </summary>
internal static class BpePreTokenizers
{
    // Contractions, case-insensitive in ASCII only (the reference rewrote (?i:...) the same way).
    private const string C = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";

    private const string Gpt2 = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)";

    private const string Llama3 = C + @"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private const string Qwen2 = C + @"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private const string Poro = @" ?[^(\s|.,!?…。，、।۔،)]+";

    private const string AsciiPunctThenWord = @"[!""#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+";

    // Cased-letter ranges of the deepseek-llm tokenizer, written as escapes: several endpoints are canonical
    // singletons (U+1FD3, U+1F7D, U+2126, U+212A...) that an editor's NFC normalization would silently change.
    private const string DeepseekLetters =
        "\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A]+";

    private static string CaseSplit(string letterClass, string tail) =>
        $@"[^\r\n\p{{L}}\p{{N}}]?((?=[{letterClass}])([^a-z]))*((?=[{letterClass}])([^A-Z]))+{tail}|[^\r\n\p{{L}}\p{{N}}]?((?=[{letterClass}])([^a-z]))+((?=[{letterClass}])([^A-Z]))*{tail}";

    private static readonly string[] Default = [@"[\p{P}\$\+<=>\^~\|]+", Gpt2, @"\p{N}+", "[0-9][0-9][0-9]"];

    /// <summary>Pre-tokenizer settings for one name.</summary>
    internal sealed record Spec(string[] Patterns, bool IgnoreMerges = false, bool AddBos = false, bool NoBos = false);

    private static readonly Dictionary<string, Spec> Specs = Build();

    private static Dictionary<string, Spec> Build()
    {
        var d = new Dictionary<string, Spec>(StringComparer.Ordinal);
        void Add(Spec spec, params string[] names)
        {
            foreach (var n in names)
            {
                d[n] = spec;
            }
        }

        Add(new Spec(Default), "default");
        Add(new Spec([Llama3], IgnoreMerges: true, AddBos: true), "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano");
        Add(new Spec([Llama3]), "dbrx", "smaug-bpe");
        Add(new Spec([@"\p{N}{1,3}", Llama3.Replace(@"\p{N}{1,3}", @"\p{N}+", StringComparison.Ordinal)], IgnoreMerges: true), "minicpm5");
        Add(new Spec(["[\r\n]", DeepseekLetters, @"\s?[!-/:-~！-／：-～‘-‟　-。]+", @"\s+\z", "[一-龥ࠀ-一가-퟿]+", @"\p{N}+"]), "deepseek-llm");
        Add(new Spec([@"\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+", AsciiPunctThenWord + @"|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"]),
            "deepseek-v3", "hunyuan-dense", "joyai-llm", "hy_v4");
        Add(new Spec([@"\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+", AsciiPunctThenWord + @"|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+|[\r\n]|\s+(?!\S)|\s+", @"\p{N}"]), "spark2_5");
        Add(new Spec(["[\r\n]", @"\s?\p{L}+", @"\s?\p{P}+", "[一-龥ࠀ-一가-퟿]+", @"\p{N}"]), "deepseek-coder");
        Add(new Spec([@"[\p{P}\$\+<=>\^~\|`]+", Gpt2, "[0-9][0-9][0-9]"]), "falcon");
        Add(new Spec([@"\p{N}", Gpt2]), "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b", "mellum2");
        Add(new Spec([Gpt2]), "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "modern-bert",
            "jina-v1-en", "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais", "trillion", "granite-docling", "exaone4");
        Add(new Spec([C + @"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s{512}(?!\S)|\s{256}(?!\S)|\s{128}(?!\S)|\s{64}(?!\S)|\s{32}(?!\S)|\s{16}(?!\S)|\s{8}(?!\S)|\s{4}(?!\S)|\s{1,2}(?!\S)|\s{1}"]), "jais-2");
        Add(new Spec([Qwen2]), "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez", "stablelm2", "hunyuan", "solar-open", "grok-2");
        Add(new Spec([C + @"|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"]), "qwen35");
        Add(new Spec([Poro]), "poro-chat", "bloom", "gpt3-finnish");
        Add(new Spec([Llama3], NoBos: true), "glm4", "chatglm-bpe");
        Add(new Spec([Poro, @"\p{N}"]), "viking");
        Add(new Spec([CaseSplit(@"\p{L}", string.Empty) + @"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"], IgnoreMerges: true, AddBos: true), "tekken");
        Add(new Spec(["<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", @"([\t\n]|    |  )", @"\p{N}", @"[\p{P}!-/:-@\[-`{-~]", Gpt2], AddBos: true), "chameleon");
        Add(new Spec([CaseSplit(@"\p{L}", C + "?") + @"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"]), "gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2");
        Add(new Spec([CaseSplit(@"\p{L}\p{M}", C + "?") + @"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"], IgnoreMerges: true), "granite-embed-multi-97m");
        Add(new Spec([@"\p{N}+", "(?=([0-9]{3})+(?![0-9]))"]), "superbpe");
        Add(new Spec([@"'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"]), "bailingmoe", "bailingmoe2", "llada-moe");
        Add(new Spec([C + @"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+"]), "seed-coder");
        Add(new Spec([@"[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"]), "ufakzeka");
        Add(new Spec([@"[^\n]+|[\n]+", Qwen2]), "laguna");
        Add(new Spec([C + @"|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]?|\s*[\r\n]|\s+(?!\S)|\s+"]), "exaone-moe");
        return d;
    }

    /// <summary>Every supported name.</summary>
    public static IReadOnlyCollection<string> Names => Specs.Keys;

    /// <summary>The settings for a name; a missing name means "default" (as in the reference).</summary>
    public static Spec Get(string? pre)
    {
        if (string.IsNullOrEmpty(pre))
        {
            return Specs["default"];
        }

        return Specs.TryGetValue(pre, out var spec)
            ? spec
            : throw new NotSupportedException(
                $"BPE pre-tokenizer '{pre}' is not supported; supported: {string.Join(", ", Specs.Keys.Order(StringComparer.Ordinal))}");
    }

    public static bool AddsBos(string? pre) => Get(pre).AddBos;

    public static bool NoBos(string? pre) => Get(pre).NoBos;
}
