namespace Hearth.Numerics.Simd;

/// <summary>
/// Byte layout of the 8-bit activation blocks (ggml-common.h):
/// block_q8_0 { ggml_half d @0; int8 qs[32] @2 } = 34 bytes;
/// block_q8_1 { ggml_half d @0; ggml_half s @2; int8 qs[32] @4 } = 36 bytes;
/// block_q8_K { float d @0; int8 qs[256] @4; int16 bsums[16] @260 } = 292 bytes.
/// </summary>
internal static class Q8Layout
{
    public const int Q8_0Bytes = 34;
    public const int Q8_1Bytes = 36;
    public const int Q8_KBytes = 292;
    public const int Q8_KQs = 4;
    public const int Q8_KBsums = 260;
}
