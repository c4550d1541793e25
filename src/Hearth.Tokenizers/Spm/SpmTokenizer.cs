using System.Collections.Concurrent;
using System.Text;
using Hearth.Tokenizers.Vocab;

namespace Hearth.Tokenizers.Spm;

/// <summary>
/// SentencePiece BPE (<c>tokenizer.ggml.model = llama</c>), as llama.cpp's <c>llm_tokenizer_spm</c>: spaces become
/// '▁' (with one prepended at the start and after each special token when add_space_prefix), the text starts as
/// one symbol per character, and adjacent pairs whose concatenation is a token merge highest score first (ties:
/// leftmost). Symbols that are not tokens at the end fall back to byte tokens <c>&lt;0xNN&gt;</c>.
/// <para>
/// Speed: the reference runs one merge queue over the whole text. Here the text is first cut wherever two
/// adjacent characters occur together in no token: no merge can ever cross such a boundary (every merged
/// symbol is a token), so the pieces are independent and give the same ids when merged separately, with small
/// cache-friendly queues and a per-piece result cache.
/// </para>
/// </summary>
internal sealed class SpmTokenizer : Tokenizer
{
    private const char Space = '\u2581';
    private const int MaxCachedLength = 64;
    private const int MaxCacheEntries = 1 << 16;
    private readonly int[] _byteTokens;
    private readonly HashSet<int> _joinable = [];
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;

    public SpmTokenizer(Vocabulary vocab)
        : base(vocab)
    {
        _byteTokens = new int[256];
        for (var b = 0; b < 256; b++)
        {
            _byteTokens[b] = vocab.Find($"<0x{b:X2}>") ?? vocab.Find(((char)b).ToString()) ?? vocab.Unk ?? -1;
        }

        foreach (var text in vocab.Texts)
        {
            for (var i = 1; i < text.Length; i++)
            {
                _joinable.Add((text[i - 1] << 16) | text[i]);
            }
        }

        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public override string Model => "llama";

    /// <summary>Cut the text at never-joinable boundaries before merging (tests turn it off to check it changes nothing).</summary>
    internal bool SegmentText { get; init; } = true;

    private protected override byte[] NormalPiece(string text) => Encoding.UTF8.GetBytes(text.Replace(Space, ' '));

    private protected override void EncodeFragments(string text, List<Fragment> fragments, bool addSpecial, List<int> output, EncodeCounters? counters)
    {
        var previousWasSpecial = true;
        AddIf(output, addSpecial && Vocab.AddBos, Vocab.Bos);
        var session = new Session(this, counters);
        foreach (var f in fragments)
        {
            if (!f.IsText)
            {
                output.Add(f.Token);
                previousWasSpecial = true;
                continue;
            }

            var prefix = Vocab.AddSpacePrefix && previousWasSpecial;
            var chars = new char[f.Length + (prefix ? 1 : 0)];
            var span = text.AsSpan(f.Start, f.Length);
            if (prefix)
            {
                chars[0] = Space;
            }

            span.Replace(chars.AsSpan(prefix ? 1 : 0), ' ', Space);
            var start = 0;
            for (var i = 1; i <= chars.Length; i++)
            {
                // Never cut inside a surrogate pair: the halves would be encoded as two replacement characters.
                if (i == chars.Length || (SegmentText && !char.IsLowSurrogate(chars[i]) && !_joinable.Contains((chars[i - 1] << 16) | chars[i])))
                {
                    EncodePiece(chars, start, i - start, session, output, counters);
                    start = i;
                }
            }

            previousWasSpecial = false;
        }

        AddIf(output, addSpecial && Vocab.AddEos, Vocab.Eos);
    }

    private void EncodePiece(char[] chars, int start, int length, Session session, List<int> output, EncodeCounters? counters)
    {
        var piece = chars.AsSpan(start, length);
        var cacheable = counters is null && length <= MaxCachedLength;
        if (cacheable && _cacheLookup.TryGetValue(piece, out var cached))
        {
            output.AddRange(cached);
            return;
        }

        var before = output.Count;
        session.Tokenize(chars, start, length, output);
        if (cacheable)
        {
            if (_cache.Count >= MaxCacheEntries)
            {
                _cache.Clear();
            }

            _cacheLookup.TryAdd(piece, [.. output.GetRange(before, output.Count - before)]);
        }
    }

    /// <summary>Scratch state for one encode call (symbols as a doubly linked list over the text).</summary>
    private sealed class Session(SpmTokenizer owner, EncodeCounters? counters)
    {
        private readonly MergeQueue _queue = new();
        private int[] _start = [];
        private int[] _length = [];
        private int[] _prev = [];
        private int[] _next = [];
        private char[] _text = [];

        public void Tokenize(char[] text, int offset, int count, List<int> output)
        {
            _text = text;
            var n = 0;
            var end = offset + count;
            EnsureCapacity(count);
            for (var i = offset; i < end;)
            {
                var len = char.IsHighSurrogate(text[i]) && i + 1 < end && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
                _start[n] = i;
                _length[n] = len;
                _prev[n] = n - 1;
                i += len;
                _next[n] = i == end ? -1 : n + 1;
                n++;
            }

            if (n == 0)
            {
                return;
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
                // Stale entry: one side already merged elsewhere (symbols only grow, so equal length means unchanged).
                if (_length[left] == 0 || _length[right] == 0 || _length[left] + _length[right] != bigram.A)
                {
                    continue;
                }

                _length[left] += _length[right];
                _length[right] = 0;
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

            Span<byte> utf8 = stackalloc byte[8];
            for (var i = 0; i != -1; i = _next[i])
            {
                var symbol = _text.AsSpan(_start[i], _length[i]);
                if (owner.Vocab.TryFind(symbol, out var id))
                {
                    output.Add(id);
                    continue;
                }

                // Not a token: a single character (merges only form tokens), so emit its UTF-8 bytes as byte tokens.
                var bytes = symbol.Length <= 2 ? utf8[..Encoding.UTF8.GetBytes(symbol, utf8)] : Encoding.UTF8.GetBytes(symbol.ToArray());
                foreach (var b in bytes)
                {
                    var t = owner._byteTokens[b];
                    if (t >= 0)
                    {
                        output.Add(t);
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

            var length = _length[left] + _length[right];
            if (!owner.Vocab.TryFind(_text.AsSpan(_start[left], length), out var id))
            {
                return;
            }

            _queue.Push(new Bigram
            {
                Key = ((ulong)MergeQueue.DescendingScore(owner.Vocab.Scores[id]) << 32) | (uint)left,
                Left = left,
                Right = right,
                A = length,
            });
        }

        private void EnsureCapacity(int n)
        {
            if (_start.Length < n)
            {
                _start = new int[n];
                _length = new int[n];
                _prev = new int[n];
                _next = new int[n];
            }
        }
    }
}
