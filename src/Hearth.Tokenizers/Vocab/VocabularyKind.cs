namespace Hearth.Tokenizers.Vocab;

/// <summary>The tokenizer algorithm named by <c>tokenizer.ggml.model</c>.</summary>
internal enum VocabularyKind
{
    /// <summary><c>llama</c>: SentencePiece BPE with scores and byte fallback.</summary>
    Spm,

    /// <summary><c>gpt2</c>: byte-level BPE with ranked merges and a regex pre-tokenizer.</summary>
    Bpe,

    /// <summary><c>bert</c>: WordPiece, greedy longest match.</summary>
    WordPiece,
}
