namespace Hearth.Router.Proxy;

/// <summary>The last <see cref="Capacity"/> bytes written through a response: enough for the final usage chunk, without keeping a stream.</summary>
internal sealed class TailBuffer
{
    public const int Capacity = 8192;

    private readonly byte[] buffer = new byte[Capacity];
    private int length;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.Length >= Capacity)
        {
            data[^Capacity..].CopyTo(buffer);
            length = Capacity;
            return;
        }

        var keep = Math.Min(length, Capacity - data.Length);
        if (keep < length)
        {
            buffer.AsSpan(length - keep, keep).CopyTo(buffer);
        }

        data.CopyTo(buffer.AsSpan(keep));
        length = keep + data.Length;
    }

    public ReadOnlySpan<byte> Span => buffer.AsSpan(0, length);
}
