namespace Hearth.Gguf.Summary;

/// <summary>Tensors of one weight type: how many and how many bytes.</summary>
public sealed record GgufTypeShare(GgmlType Type, int TensorCount, long Bytes, long Elements);

/// <summary>
/// What a person wants to know about a GGUF model at a glance (`hearth info`). Computed from the parsed file only;
/// metadata of unexpected types is reported as absent rather than failing, since this describes possibly odd files.
/// </summary>
public sealed record GgufModelSummary
{
    public required string Path { get; init; }

    public required long FileSize { get; init; }

    public required uint Version { get; init; }

    public required int Alignment { get; init; }

    public string? Architecture { get; init; }

    public string? Name { get; init; }

    public string? FileType { get; init; }

    /// <summary>Sum of the elements of every tensor.</summary>
    public required long ParameterCount { get; init; }

    public required int TensorCount { get; init; }

    /// <summary>Bytes of tensor data (without alignment padding).</summary>
    public required long TensorBytes { get; init; }

    /// <summary>Weight types by bytes, largest first.</summary>
    public required IReadOnlyList<GgufTypeShare> TypeMix { get; init; }

    public long? ContextLength { get; init; }

    public long? EmbeddingLength { get; init; }

    public long? BlockCount { get; init; }

    public long? HeadCount { get; init; }

    public long? KvHeadCount { get; init; }

    public string? TokenizerModel { get; init; }

    public string? TokenizerPre { get; init; }

    public int? VocabSize { get; init; }

    /// <summary>Special token ids by role (bos, eos, eot, unk, pad, sep...), from tokenizer.ggml.&lt;role&gt;_token_id.</summary>
    public required IReadOnlyDictionary<string, long> SpecialTokens { get; init; }

    public required bool HasChatTemplate { get; init; }

    public static GgufModelSummary From(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var m = file.Metadata;
        var arch = String(m, "general.architecture");

        long? Arch(string suffix) => arch is null ? null : Integer(m, $"{arch}.{suffix}");

        var mix = file.Tensors
            .GroupBy(t => t.Type)
            .Select(g => new GgufTypeShare(g.Key, g.Count(), g.Sum(t => t.ByteSize), g.Sum(t => t.ElementCount)))
            .OrderByDescending(s => s.Bytes)
            .ThenBy(s => s.Type)
            .ToArray();

        var special = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, _) in m)
        {
            const string prefix = "tokenizer.ggml.", suffix = "_token_id";
            if (key.StartsWith(prefix, StringComparison.Ordinal) && key.EndsWith(suffix, StringComparison.Ordinal)
                && key.Length > prefix.Length + suffix.Length && Integer(m, key) is { } id)
            {
                special[key[prefix.Length..^suffix.Length]] = id;
            }
        }

        return new GgufModelSummary
        {
            Path = file.Path,
            FileSize = file.FileSize,
            Version = file.Version,
            Alignment = file.Alignment,
            Architecture = arch,
            Name = String(m, "general.name"),
            FileType = Integer(m, "general.file_type") is { } ft ? FileTypeName(ft) : null,
            ParameterCount = file.Tensors.Sum(t => t.ElementCount),
            TensorCount = file.Tensors.Count,
            TensorBytes = file.Tensors.Sum(t => t.ByteSize),
            TypeMix = mix,
            ContextLength = Arch("context_length"),
            EmbeddingLength = Arch("embedding_length"),
            BlockCount = Arch("block_count"),
            HeadCount = Arch("attention.head_count"),
            KvHeadCount = Arch("attention.head_count_kv"),
            TokenizerModel = String(m, "tokenizer.ggml.model"),
            TokenizerPre = String(m, "tokenizer.ggml.pre"),
            VocabSize = m.TryGetValue("tokenizer.ggml.tokens", out var tokens) && tokens.AsArray() is { } a ? a.Count : null,
            SpecialTokens = special,
            HasChatTemplate = m.TryGetValue("tokenizer.chat_template", out var tmpl) && tmpl.Value is string { Length: > 0 },
        };
    }

    /// <summary>Names of general.file_type values (llama.h, enum llama_ftype), e.g. 15 = "Q4_K_M".</summary>
    public static string FileTypeName(long fileType) => fileType switch
    {
        0 => "F32", 1 => "F16", 2 => "Q4_0", 3 => "Q4_1", 7 => "Q8_0", 8 => "Q5_0", 9 => "Q5_1",
        10 => "Q2_K", 11 => "Q3_K_S", 12 => "Q3_K_M", 13 => "Q3_K_L", 14 => "Q4_K_S", 15 => "Q4_K_M",
        16 => "Q5_K_S", 17 => "Q5_K_M", 18 => "Q6_K", 19 => "IQ2_XXS", 20 => "IQ2_XS", 21 => "Q2_K_S",
        22 => "IQ3_XS", 23 => "IQ3_XXS", 24 => "IQ1_S", 25 => "IQ4_NL", 26 => "IQ3_S", 27 => "IQ3_M",
        28 => "IQ2_S", 29 => "IQ2_M", 30 => "IQ4_XS", 31 => "IQ1_M", 32 => "BF16", 36 => "TQ1_0", 37 => "TQ2_0",
        38 => "MXFP4_MOE",
        _ => $"type {fileType}",
    };

    private static string? String(GgufMetadata m, string key) => m.TryGetValue(key, out var v) ? v.Value as string : null;

    private static long? Integer(GgufMetadata m, string key) => m.TryGetValue(key, out var v) && v.TryGetInt64(out var l) ? l : null;
}
