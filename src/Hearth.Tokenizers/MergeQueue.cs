namespace Hearth.Tokenizers;

/// <summary>A candidate merge of two adjacent symbols.</summary>
internal struct Bigram
{
    /// <summary>Ordering key, smallest first: priority in the high 32 bits, left index in the low 32 (ties go left).</summary>
    public ulong Key;
    public int Left;
    public int Right;

    /// <summary>SPM: combined length in chars. BPE: the symbol ids of the pair and of the merge result.</summary>
    public int A;
    public int B;
    public int Result;
}

/// <summary>
/// Binary min-heap of <see cref="Bigram"/> (the priority queue of the merge loops; O(log n) per operation,
/// so encoding a word of n symbols costs O(n log n) rather than the O(n²) of rescanning all pairs).
/// </summary>
internal sealed class MergeQueue
{
    private Bigram[] _items = new Bigram[64];

    public int Count { get; private set; }

    public void Clear() => Count = 0;

    public void Push(in Bigram item)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (_items[parent].Key <= item.Key)
            {
                break;
            }

            _items[i] = _items[parent];
            i = parent;
        }

        _items[i] = item;
    }

    public Bigram Pop()
    {
        var top = _items[0];
        var last = _items[--Count];
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= Count)
            {
                break;
            }

            if (child + 1 < Count && _items[child + 1].Key < _items[child].Key)
            {
                child++;
            }

            if (last.Key <= _items[child].Key)
            {
                break;
            }

            _items[i] = _items[child];
            i = child;
        }

        if (Count > 0)
        {
            _items[i] = last;
        }

        return top;
    }

    /// <summary>Maps a score to a key half where higher scores sort first (IEEE bits made monotonic, then inverted).</summary>
    public static uint DescendingScore(float score)
    {
        if (score == 0f)
        {
            score = 0f; // -0 and +0 compare equal in the reference
        }

        var bits = BitConverter.SingleToUInt32Bits(score);
        var ascending = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return ~ascending;
    }
}
