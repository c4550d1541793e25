namespace Hearth.Engine;

/// <summary>
/// Keys and values of every layer for a fixed number of sequences ("slots"), in F16 as the reference
/// keeps them. Layout per layer: [slot][kv_head][row][head_dim], so attention streams one head's
/// keys and values contiguously. (The earlier [slot][position][kv_head * head_dim] layout made that a
/// walk with a 1 KiB stride that the hardware prefetchers did not follow: attention cost ~1.8 µs per
/// cached position per layer on llama-1b, ten times its arithmetic.)
/// <para>
/// A full-attention layer holds one row per position. A sliding-window layer (gemma2, gemma3) is a ring of
/// window + <see cref="PassLimit"/> rows, position p in row p mod capacity, so its memory grows with the window,
/// not the context: a pass stores up to PassLimit new positions of a slot before attending, and each of them
/// still finds the window behind it intact (the reference sizes its SWA cache window + ubatch the same way).
/// A ring cannot go back further than it reaches: when <see cref="Truncate"/> or <see cref="CopyPrefix"/> keeps a
/// prefix whose window the ring has overwritten, the cache remembers the prefix's tokens and the model recomputes
/// them before the slot's next tokens (<see cref="Intact"/>), so callers see the same semantics as with a full cache.
/// </para>
/// </summary>
public sealed unsafe class KvCache
{
    private readonly Half[][] _keys;
    private readonly Half[][] _values;
    private readonly int[] _capacity;
    private readonly int[] _window;
    private readonly int[] _lengths;
    private readonly int[] _intact;
    private readonly int[][]? _tokens;

    /// <param name="windows">Per layer: the sliding window (positions attended, the own included), or 0 for full attention; null: all full.</param>
    /// <param name="passLimit">Most positions of one slot a forward pass stores (sizes the rings of sliding-window layers).</param>
    internal KvCache(object owner, int layers, int kvHeads, int headDimension, int slots, int contextPerSlot, int[]? windows = null, int passLimit = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextPerSlot, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(passLimit, 1);
        Owner = owner;
        Slots = slots;
        ContextPerSlot = contextPerSlot;
        KvHeads = kvHeads;
        HeadDimension = headDimension;
        _keys = new Half[layers][];
        _values = new Half[layers][];
        _capacity = new int[layers];
        _window = new int[layers];
        PassLimit = int.MaxValue;
        for (var l = 0; l < layers; l++)
        {
            var window = windows is null ? 0 : windows[l];
            _window[l] = window > 0 ? window : int.MaxValue;
            _capacity[l] = window > 0 ? (int)Math.Min(contextPerSlot, (long)window + passLimit) : contextPerSlot;
            if (_capacity[l] < contextPerSlot)
            {
                PassLimit = passLimit;   // a ring that can wrap: passes must stay within what it was sized for
            }

            var perLayer = checked((long)slots * kvHeads * _capacity[l] * headDimension);

            // Uninitialized and pinned: pages are only committed when a position is written, so an
            // unused context costs address space, not memory.
            _keys[l] = GC.AllocateUninitializedArray<Half>(checked((int)perLayer), pinned: true);
            _values[l] = GC.AllocateUninitializedArray<Half>(checked((int)perLayer), pinned: true);
        }

        _lengths = new int[slots];
        _intact = new int[slots];
        Scratch = new int[slots];
        if (PassLimit != int.MaxValue)
        {
            _tokens = new int[slots][];
            for (var s = 0; s < slots; s++)
            {
                _tokens[s] = new int[contextPerSlot];
            }
        }
    }

    public int Slots { get; }

    public int ContextPerSlot { get; }

    /// <summary>
    /// Most positions of one slot that one forward pass may hold: unlimited unless a sliding-window layer keeps a
    /// ring shorter than the context; the model splits longer batches into passes of this size.
    /// </summary>
    public int PassLimit { get; }

    /// <summary>Bytes held for keys and values of all slots.</summary>
    public long SizeBytes => 2L * _capacity.Sum(c => (long)c) * Slots * KvHeads * HeadDimension * sizeof(ushort);

    internal object Owner { get; }

    internal int KvHeads { get; }

    internal int HeadDimension { get; }

    /// <summary>Per-slot scratch for validating a batch (no allocation per forward).</summary>
    internal int[] Scratch { get; }

    /// <summary>Positions of <paramref name="slot"/> that hold keys and values.</summary>
    public int Length(int slot) => _lengths[CheckSlot(slot)];

    /// <summary>Forgets the sequence in <paramref name="slot"/>.</summary>
    public void Clear(int slot) => _lengths[CheckSlot(slot)] = _intact[slot] = 0;

    /// <summary>
    /// Keeps the first <paramref name="length"/> positions of <paramref name="slot"/> (to reuse a common prefix) and
    /// returns how many it kept (fewer only when the slot held fewer). When a sliding-window ring has overwritten the
    /// window before <paramref name="length"/>, the model recomputes the kept prefix from its tokens on the slot's
    /// next forward pass.
    /// </summary>
    public int Truncate(int slot, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ref var current = ref _lengths[CheckSlot(slot)];
        var kept = Math.Min(current, length);
        _intact[slot] = WindowsIntact(current, kept) ? Math.Min(_intact[slot], kept) : 0;
        current = kept;
        return kept;
    }

    /// <summary>
    /// Copies the first <paramref name="length"/> positions of <paramref name="source"/> into
    /// <paramref name="destination"/>, which then holds exactly those: a prompt that starts like
    /// another slot's tokens (a shared system prompt) reuses them instead of recomputing. Keys and
    /// values depend only on the tokens and their positions, so the copy is exact. When a sliding-window ring of the
    /// source no longer holds the window before <paramref name="length"/>, the destination gets the tokens and the
    /// model recomputes them on its next forward pass (see <see cref="Truncate"/>).
    /// </summary>
    public void CopyPrefix(int source, int destination, int length)
    {
        CheckSlot(source);
        CheckSlot(destination);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _lengths[source]);
        var intact = WindowsIntact(_lengths[source], length) && _intact[source] >= length ? length : 0;
        if (source != destination)
        {
            if (_tokens is not null)
            {
                _tokens[source].AsSpan(0, length).CopyTo(_tokens[destination]);
            }

            for (var layer = 0; layer < _keys.Length; layer++)
            {
                // A ring copies all its rows once the prefix wraps; rows past the prefix are stale but are
                // overwritten before any window reaches them.
                var halves = (long)Math.Min(length, _capacity[layer]) * HeadDimension;
                for (var h = 0; h < KvHeads; h++)
                {
                    Buffer.MemoryCopy(Keys(layer, source, h), Keys(layer, destination, h), halves * sizeof(ushort), halves * sizeof(ushort));
                    Buffer.MemoryCopy(Values(layer, source, h), Values(layer, destination, h), halves * sizeof(ushort), halves * sizeof(ushort));
                }
            }
        }

        _lengths[destination] = length;
        _intact[destination] = intact;
    }

    /// <summary>
    /// Positions of <paramref name="slot"/> whose keys and values are all in place. Less than <see cref="Length"/>
    /// only after a truncation or copy went back further than a sliding-window ring reaches: then positions
    /// [0, Length) are to be recomputed from <see cref="Tokens"/> before the slot's next tokens.
    /// </summary>
    internal int Intact(int slot) => _intact[slot];

    /// <summary>The tokens of a slot's positions (kept only where rings may need them recomputed; empty otherwise).</summary>
    internal ReadOnlySpan<int> Tokens(int slot) => _tokens is null ? default : _tokens[slot].AsSpan(0, _lengths[slot]);

    /// <summary>Records that a forward pass stored <paramref name="token"/> at <paramref name="position"/> of <paramref name="slot"/>.</summary>
    internal void Stored(int slot, int position, int token)
    {
        _lengths[slot] = Math.Max(_lengths[slot], position + 1);
        _intact[slot] = Math.Max(_intact[slot], position + 1);
        if (_tokens is not null)
        {
            _tokens[slot][position] = token;
        }
    }

    /// <summary>Rows of one KV head of <paramref name="layer"/> (the context, or the ring of a sliding-window layer).</summary>
    internal int Capacity(int layer) => _capacity[layer];

    /// <summary>Positions a token of <paramref name="layer"/> attends to, its own included (int.MaxValue: all).</summary>
    internal int Window(int layer) => _window[layer];

    /// <summary>Row 0 of one KV head's keys in a slot: [row][head_dim], contiguous; position p is row p mod Capacity.</summary>
    internal Half* Keys(int layer, int slot, int kvHead) => Head(_keys[layer], layer, slot, kvHead);

    /// <summary>Row 0 of one KV head's values in a slot: [row][head_dim], contiguous.</summary>
    internal Half* Values(int layer, int slot, int kvHead) => Head(_values[layer], layer, slot, kvHead);

    /// <summary>Stores one token's keys and values (kv_head * head_dim floats each) at its position's row.</summary>
    internal void Store(int layer, int slot, int position, ReadOnlySpan<float> keys, ReadOnlySpan<float> values)
    {
        var hd = HeadDimension;
        var offset = (long)(position % _capacity[layer]) * hd;
        for (var h = 0; h < KvHeads; h++)
        {
            Numerics.Half16.FromFloat(keys.Slice(h * hd, hd), new Span<Half>(Keys(layer, slot, h) + offset, hd));
            Numerics.Half16.FromFloat(values.Slice(h * hd, hd), new Span<Half>(Values(layer, slot, h) + offset, hd));
        }
    }

    /// <summary>
    /// Whether every ring still holds the window that position <paramref name="length"/> attends to, after the slot
    /// stored positions up to <paramref name="stored"/> - 1: the oldest row left is stored - capacity.
    /// </summary>
    private bool WindowsIntact(int stored, int length)
    {
        for (var l = 0; l < _capacity.Length; l++)
        {
            // A ring that never wrapped (stored <= capacity) holds every position, whatever the window.
            var oldestKept = Math.Max(0, stored - _capacity[l]);
            var oldestNeeded = Math.Max(0, length - _window[l] + 1);
            if (length > 0 && oldestNeeded < oldestKept)
            {
                return false;
            }
        }

        return true;
    }

    private Half* Head(Half[] data, int layer, int slot, int kvHead)
    {
        fixed (Half* p = data)
        {
            return p + ((((long)slot * KvHeads) + kvHead) * _capacity[layer] * HeadDimension);
        }
    }

    private int CheckSlot(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, Slots);
        return slot;
    }
}
