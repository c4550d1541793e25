namespace Hearth.Tokenizers.Vocab;

/// <summary>
/// Per-token attributes, a superset of <see cref="TokenType"/>: the loader ORs in Control for tokens that
/// look like end-of-turn markers and adds strip flags for a few model families (llama.cpp does the same,
/// because GGUF files do not store these attributes).
/// </summary>
[Flags]
internal enum TokenAttributes
{
    Undefined = 0,
    Unknown = 1 << 0,
    Unused = 1 << 1,
    Normal = 1 << 2,
    Control = 1 << 3,
    UserDefined = 1 << 4,
    Byte = 1 << 5,
    LStrip = 1 << 7,
    RStrip = 1 << 8,
}
