using System.Buffers;

namespace Hearth.Router.Proxy;

/// <summary>Rewrites an upstream answer into the client's API: a stream as it arrives, or a whole document at the end.</summary>
internal interface IAnswerTranslator
{
    void Stream(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output);

    void Complete(IBufferWriter<byte> output);

    byte[] Whole(ReadOnlySpan<byte> upstream);
}
