namespace Hearth.Engine.Execution;

/// <summary>
/// A pinned scratch array that grows on demand (never shrinks), so worker threads can use raw pointers
/// and a forward pass allocates nothing once the buffers have reached the batch's size.
/// </summary>
internal sealed unsafe class NativeBuffer<T> where T : unmanaged
{
    private T[] _array = [];

    public T* Pointer { get; private set; }

    public int Length => _array.Length;

    public T* Ensure(long length)
    {
        if (length > _array.Length)
        {
            _array = GC.AllocateUninitializedArray<T>(checked((int)length), pinned: true);
            fixed (T* p = _array)
            {
                Pointer = p;   // pinned object heap: the address stays valid for the array's lifetime
            }
        }

        return Pointer;
    }

    public Span<T> Span(long length) => new(Ensure(length), checked((int)length));
}
