namespace Hearth.Engine;

/// <summary>
/// Keys and values of every layer for a fixed number of sequences ("slots"), in F16 as the reference
/// keeps them. Layout per layer: [slot][position][kv_head * head_dim], so one head's keys over
/// positions are a strided walk and a new token's row is one contiguous store.
/// </summary>
public sealed unsafe class KvCache
{
    private readonly Half[][] _keys;
    private readonly Half[][] _values;
    private readonly int[] _lengths;

    internal KvCache(object owner, int layers, int kvLength, int slots, int contextPerSlot)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextPerSlot, 1);
        Owner = owner;
        Slots = slots;
        ContextPerSlot = contextPerSlot;
        KvLength = kvLength;
        var perLayer = checked((long)slots * contextPerSlot * kvLength);
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
    public long SizeBytes => 2L * _keys.Length * Slots * ContextPerSlot * KvLength * sizeof(ushort);

    internal object Owner { get; }

    internal int KvLength { get; }

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

    internal void SetLength(int slot, int length) => _lengths[slot] = length;

    internal Half* KeyRow(int layer, int slot, int position)
    {
        fixed (Half* p = _keys[layer])
        {
            return p + ((((long)slot * ContextPerSlot) + position) * KvLength);
        }
    }

    internal Half* ValueRow(int layer, int slot, int position)
    {
        fixed (Half* p = _values[layer])
        {
            return p + ((((long)slot * ContextPerSlot) + position) * KvLength);
        }
    }

    private int CheckSlot(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, Slots);
        return slot;
    }
}
