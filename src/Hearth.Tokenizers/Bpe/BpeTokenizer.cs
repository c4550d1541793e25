using System.Collections.Concurrent;
using System.Text;
using Hearth.Tokenizers.Vocab;

namespace Hearth.Tokenizers.Bpe;

/// <summary>
/// Byte-level BPE (<c>tokenizer.ggml.model = gpt2</c>), as llama.cpp's <c>llm_tokenizer_bpe</c>: the text is split
/// into words by the pre-tokenizer regexes, each word's UTF-8 bytes are spelled with GPT-2's byte characters,
/// and adjacent symbols merge lowest merge rank first (ties: leftmost) until no ranked pair is left.
/// <para>
/// Symbols are ids into a piece table (vocabulary ids first, then any merge operand or result that is not a
/// token), so a merge lookup is one hash probe on a pair of ints. Results are cached per word.
/// </para>
/// </summary>
internal sealed class BpeTokenizer : Tokenizer
{
    private const int MaxCachedWordLength = 256;
    private const int MaxCacheEntries = 1 << 16;

    private readonly Dictionary<long, (int Rank, int Result)> _merges = [];
    private readonly List<string> _extraPieces = [];
    private readonly int[] _byteSymbols = new int[256];
    private readonly RegexSplitter _splitter;
    private readonly bool _ignoreMerges;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;

    public BpeTokenizer(Vocabulary vocab, string[] merges)
        : base(vocab)
    {
        var spec = BpePreTokenizers.Get(vocab.Pre);
        _splitter = new RegexSplitter(spec.Patterns);
        _ignoreMerges = spec.IgnoreMerges;
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();

        var extra = new Dictionary<string, int>(StringComparer.Ordinal);
        int PieceId(string s)
        {
            if (vocab.Find(s) is { } id)
            {
                return id;
            }

            if (!extra.TryGetValue(s, out var e))
            {
                e = vocab.Count + extra.Count;
                extra.Add(s, e);
                _extraPieces.Add(s);
            }

            return e;
        }

        for (var rank = 0; rank < merges.Length; rank++)
        {
            var merge = merges[rank];
            // The first space after position 0 separates the pair (the reference's rule).
            var split = merge.Length > 1 ? merge.IndexOf(' ', 1) : -1;
            var first = split < 0 ? string.Empty : merge[..split];
            var second = split < 0 ? string.Empty : merge[(split + 1)..];
            if (first.Length == 0 || second.Length == 0)
            {
                continue;
            }

            var key = Pair(PieceId(first), PieceId(second));
            // Duplicates keep their first (lowest) rank.
            _merges.TryAdd(key, (rank, PieceId(first + second)));
        }

        for (var b = 0; b < 256; b++)
        {
            var s = ByteLevel.ByteToChar[b].ToString();
            _byteSymbols[b] = vocab.Find(s) ?? (extra.TryGetValue(s, out var e) ? e : -1);
        }
    }

    public override string Model => "gpt2";

    private static long Pair(int a, int b) => ((long)a << 32) | (uint)b;

    private protected override byte[] NormalPiece(string text)
    {
        var bytes = new List<byte>(text.Length);
        Span<byte> buf = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value < ByteLevel.CharToByte.Length && ByteLevel.CharToByte[rune.Value] >= 0)
            {
                bytes.Add((byte)ByteLevel.CharToByte[rune.Value]);
            }
            else
            {
                // Not a byte character (malformed vocabulary): keep the character itself.
                bytes.AddRange(buf[..rune.EncodeToUtf8(buf)]);
            }
        }

        return [.. bytes];
    }

    private protected override void EncodeFragments(string text, List<Fragment> fragments, bool addSpecial, List<int> output, EncodeCounters? counters)
    {
        AddIf(output, addSpecial && Vocab.AddBos, Vocab.Bos);
        var words = new List<(int Start, int Length)>();
        var session = new Session(this, counters);
        foreach (var f in fragments)
        {
            if (!f.IsText)
            {
                output.Add(f.Token);
                continue;
            }

            var piece = f.Start == 0 && f.Length == text.Length ? text : text.Substring(f.Start, f.Length);
            words.Clear();
            _splitter.Split(piece, words);
            foreach (var (start, length) in words)
            {
                EncodeWord(piece.AsSpan(start, length), output, session, counters);
            }
        }

        AddIf(output, addSpecial && Vocab.AddEos, Vocab.Eos);
    }

    private void EncodeWord(ReadOnlySpan<char> word, List<int> output, Session session, EncodeCounters? counters)
    {
        var cacheable = counters is null && word.Length <= MaxCachedWordLength;
        if (cacheable && _cacheLookup.TryGetValue(word, out var cached))
        {
            output.AddRange(cached);
            return;
        }

        var start = output.Count;
        session.Tokenize(word, output);
        if (cacheable)
        {
            if (_cache.Count >= MaxCacheEntries)
            {
                _cache.Clear();
            }

            _cacheLookup.TryAdd(word, [.. output.GetRange(start, output.Count - start)]);
        }
    }

    /// <summary>Scratch state for one encode call.</summary>
    private sealed class Session(BpeTokenizer owner, EncodeCounters? counters)
    {
        private readonly MergeQueue _queue = new();
        private byte[] _bytes = new byte[256];
        private char[] _chars = new char[256];
        private int[] _ids = new int[256];
        private int[] _prev = new int[256];
        private int[] _next = new int[256];

        public void Tokenize(ReadOnlySpan<char> word, List<int> output)
        {
            var max = Encoding.UTF8.GetMaxByteCount(word.Length);
            if (_bytes.Length < max)
            {
                _bytes = new byte[max];
                _chars = new char[max];
                _ids = new int[max];
                _prev = new int[max];
                _next = new int[max];
            }

            var n = Encoding.UTF8.GetBytes(word, _bytes);
            if (n == 0)
            {
                return;
            }

            var vocab = owner.Vocab;
            if (owner._ignoreMerges)
            {
                for (var i = 0; i < n; i++)
                {
                    _chars[i] = ByteLevel.ByteToChar[_bytes[i]];
                }

                if (vocab.TryFind(_chars.AsSpan(0, n), out var whole))
                {
                    output.Add(whole);
                    return;
                }
            }

            for (var i = 0; i < n; i++)
            {
                _ids[i] = owner._byteSymbols[_bytes[i]];
                _prev[i] = i - 1;
                _next[i] = i + 1 == n ? -1 : i + 1;
            }

            _queue.Clear();
            for (var i = 1; i < n; i++)
            {
                TryAddBigram(i - 1, i);
            }

            long steps = 0;
            while (_queue.Count > 0)
            {
                var bigram = _queue.Pop();
                steps++;
                var left = bigram.Left;
                var right = bigram.Right;
                // Stale entry: a side was merged away (-2) or grew into a different piece since it was queued.
                if (_ids[left] != bigram.A || _ids[right] != bigram.B)
                {
                    continue;
                }

                _ids[left] = bigram.Result;
                _ids[right] = -2;
                _next[left] = _next[right];
                if (_next[right] >= 0)
                {
                    _prev[_next[right]] = left;
                }

                TryAddBigram(_prev[left], left);
                TryAddBigram(left, _next[left]);
            }

            if (counters is not null)
            {
                counters.Steps += steps;
            }

            for (var i = 0; i != -1; i = _next[i])
            {
                var id = _ids[i];
                if (id >= 0 && id < vocab.Count)
                {
                    output.Add(id);
                    continue;
                }

                // Not a token (a byte character missing from the vocabulary, or a merge result that is not a token):
                // like the reference, look up each ASCII character on its own and drop the rest.
                var text = id < 0 ? ByteLevel.ByteToChar[_bytes[i]].ToString() : owner._extraPieces[id - vocab.Count];
                foreach (var c in text)
                {
                    if (c < 0x80 && vocab.TryFind([c], out var single))
                    {
                        output.Add(single);
                    }
                }
            }
        }

        private void TryAddBigram(int left, int right)
        {
            if (left < 0 || right < 0)
            {
                return;
            }

            var a = _ids[left];
            var b = _ids[right];
            if (a < 0 || b < 0 || !owner._merges.TryGetValue(Pair(a, b), out var merge))
            {
                return;
            }

            _queue.Push(new Bigram
            {
                Key = ((ulong)(uint)merge.Rank << 32) | (uint)left,
                Left = left,
                Right = right,
                A = a,
                B = b,
                Result = merge.Result,
            });
        }
    }
}
