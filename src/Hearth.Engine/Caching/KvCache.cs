namespace Hearth.Engine;

/// <summary>
/// Keys and values of every layer for a fixed number of sequences ("slots"), in F16 as the reference
/// keeps them. Layout per layer: [slot][kv_head][position][head_dim], so attention streams one head's
/// keys and values contiguously. (The earlier [slot][position][kv_head * head_dim] layout made that a
/// walk with a 1 KiB stride that the hardware prefetchers did not follow: attention cost ~1.8 µs per
/// cached position per layer on llama-1b, ten times its arithmetic.)
/// </summary>
public sealed unsafe class KvCache
{
    private readonly Half[][] _keys;
    private readonly Half[][] _values;
    private readonly int[] _lengths;

    internal KvCache(object owner, int layers, int kvHeads, int headDimension, int slots, int contextPerSlot)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextPerSlot, 1);
        Owner = owner;
        Slots = slots;
        ContextPerSlot = contextPerSlot;
        KvHeads = kvHeads;
        HeadDimension = headDimension;
        var perLayer = checked((long)slots * kvHeads * contextPerSlot * headDimension);
        _keys = new Half[layers][];
        _values = new Half[layers][];
        for (var l = 0; l < layers; l++)
        {
            // Uninitialized and pinned: pages are only committed when a position is written, so an
            // unused context costs address space, not memory.
            _keys[l] = GC.AllocateUninitializedArray<Half>(checked((int)perLayer), pinned: true);
            _values[l] = GC.AllocateUninitializedArray<Half>(checked((int)perLayer), pinned: true);
        }

        _lengths = new int[slots];
        Scratch = new int[slots];
    }

    public int Slots { get; }

    public int ContextPerSlot { get; }

    /// <summary>Bytes held for keys and values of all slots.</summary>
    public long SizeBytes => 2L * _keys.Length * Slots * ContextPerSlot * KvHeads * HeadDimension * sizeof(ushort);

    internal object Owner { get; }

    internal int KvHeads { get; }

    internal int HeadDimension { get; }

    /// <summary>Per-slot scratch for validating a batch (no allocation per forward).</summary>
    internal int[] Scratch { get; }

    /// <summary>Positions of <paramref name="slot"/> that hold keys and values.</summary>
    public int Length(int slot) => _lengths[CheckSlot(slot)];

    /// <summary>Forgets the sequence in <paramref name="slot"/>.</summary>
    public void Clear(int slot) => _lengths[CheckSlot(slot)] = 0;

    /// <summary>Keeps the first <paramref name="length"/> positions of <paramref name="slot"/> (to reuse a common prefix).</summary>
    public void Truncate(int slot, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ref var current = ref _lengths[CheckSlot(slot)];
        current = Math.Min(current, length);
    }

    /// <summary>
    /// Copies the first <paramref name="length"/> positions of <paramref name="source"/> into
    /// <paramref name="destination"/>, which then holds exactly those: a prompt that starts like
    /// another slot's tokens (a shared system prompt) reuses them instead of recomputing. Keys and
    /// values depend only on the tokens and their positions, so the copy is exact.
    /// </summary>
    public void CopyPrefix(int source, int destination, int length)
    {
        CheckSlot(source);
        CheckSlot(destination);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _lengths[source]);
        if (source != destination)
        {
            var halves = (long)length * HeadDimension;
            for (var layer = 0; layer < _keys.Length; layer++)
            {
                for (var h = 0; h < KvHeads; h++)
                {
                    Buffer.MemoryCopy(Keys(layer, source, h), Keys(layer, destination, h), halves * sizeof(ushort), halves * sizeof(ushort));
                    Buffer.MemoryCopy(Values(layer, source, h), Values(layer, destination, h), halves * sizeof(ushort), halves * sizeof(ushort));
                }
            }
        }

        _lengths[destination] = length;
    }

    internal void SetLength(int slot, int length) => _lengths[slot] = length;

    /// <summary>Position 0 of one KV head's keys in a slot: [position][head_dim], contiguous.</summary>
    internal Half* Keys(int layer, int slot, int kvHead) => Head(_keys[layer], slot, kvHead);

    /// <summary>Position 0 of one KV head's values in a slot: [position][head_dim], contiguous.</summary>
    internal Half* Values(int layer, int slot, int kvHead) => Head(_values[layer], slot, kvHead);

    /// <summary>Stores one token's keys and values (kv_head * head_dim floats each) at its position.</summary>
    internal void Store(int layer, int slot, int position, ReadOnlySpan<float> keys, ReadOnlySpan<float> values)
    {
        var hd = HeadDimension;
        for (var h = 0; h < KvHeads; h++)
        {
            var offset = (long)position * hd;
            Numerics.Half16.FromFloat(keys.Slice(h * hd, hd), new Span<Half>(Keys(layer, slot, h) + offset, hd));
            Numerics.Half16.FromFloat(values.Slice(h * hd, hd), new Span<Half>(Values(layer, slot, h) + offset, hd));
        }
    }

    private Half* Head(Half[] layer, int slot, int kvHead)
    {
        fixed (Half* p = layer)
        {
            return p + ((((long)slot * KvHeads) + kvHead) * ContextPerSlot * HeadDimension);
        }
    }

    private int CheckSlot(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, Slots);
        return slot;
    }
}
