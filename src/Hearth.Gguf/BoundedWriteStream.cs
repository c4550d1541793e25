namespace Hearth.Gguf;

/// <summary>
/// Write-only pass-through handed to a streamed tensor's writer: forwards bytes to the output unbuffered and refuses
/// to write past the tensor's size, so a faulty writer cannot corrupt the following tensor's offset.
/// </summary>
internal sealed class BoundedWriteStream(Stream inner, long limit, string tensorName) : Stream
{
    public long Written { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => Written;

    public override long Position
    {
        get => Written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length > limit - Written)
        {
            throw new InvalidOperationException($"Tensor '{tensorName}' writer wrote more than the tensor's {limit} bytes.");
        }

        inner.Write(buffer);
        Written += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush()
    {
        // Flushing is the outer writer's business; tensors are written back to back.
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
