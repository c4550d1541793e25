using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Gguf;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>
/// IQ4_XS (ggml-common.h block_iq4_xs, 136 bytes per 256 weights):
/// <c>@0 ggml_half d; @2 uint16 scales_h; @4 uint8 scales_l[4]; @8 uint8 qs[128]</c>. Sub-block s (32 weights):
/// ls = ((scales_l[s/2] &gt;&gt; 4(s%2)) &amp; 0xF) | (((scales_h &gt;&gt; 2s) &amp; 3) &lt;&lt; 4); nibbles of qs[16s..16s+15]
/// (low first) index kvalues_iq4nl; weight = d * (ls - 32) * K[nibble]. Activations: Q8_K.
/// </summary>
internal sealed class IQ4_XSKernel() : WeightKernel(GgmlType.IQ4_XS, ActivationFormat.Q8_K)
{
    internal override unsafe void DequantizeCore(byte* w, float* dst, int n) => SuperBlock.Dequantize<Block>(w, dst, n);

    internal override bool HasVector128Dot => true;

    internal override unsafe float DotCore(KernelPath path, byte* w, byte* a, int n) => path switch
    {
        KernelPath.Avx2 when Avx2Ops.IsSupported => SuperBlock.DotAvx2<Block>(w, a, n),
        KernelPath.Vector128 when Vector128.IsHardwareAccelerated => SuperBlockVector128.Dot<Block>(w, a, n),
        _ => SuperBlock.DotScalar<Block>(w, a, n),
    };

    internal override unsafe void MatMulCore(KernelPath path, byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
    {
        if (path == KernelPath.Avx2 && Avx2Ops.IsSupported)
        {
            SuperBlock.MatMulAvx2<Block>(w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
        }
        else
        {
            base.MatMulCore(path, w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int SubScale(byte* block, int s)
    {
        var high = Unsafe.ReadUnaligned<ushort>(block + 2);
        return (((block[4 + s / 2] >> (4 * (s % 2))) & 0x0F) | (((high >> (2 * s)) & 3) << 4)) - 32;
    }

    internal struct Block : ISuperBlock, IVector128SuperBlock
    {
        public static int Bytes => 136;

        public static bool Signed => true;

        public static unsafe void Decode(byte* block, int* q, int* scales, int* mins, out float d, out float dmin)
        {
            d = Fp16.Read(block);
            dmin = 0f;
            var values = IQ4_NLKernel.Values;
            for (var s = 0; s < 8; s++)
            {
                scales[2 * s] = scales[2 * s + 1] = SubScale(block, s);
                mins[2 * s] = mins[2 * s + 1] = 0;
                var qs = block + 8 + 16 * s;
                for (var l = 0; l < 16; l++)
                {
                    q[32 * s + l] = values[qs[l] & 0x0F];
                    q[32 * s + l + 16] = values[qs[l] >> 4];
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe (Vector256<int> Lo, Vector256<int> Hi) PrepareAvx2(byte* block, out Vector256<short> mins, out float d, out float dmin)
        {
            d = Fp16.Read(block);
            dmin = 0f;
            mins = Vector256<short>.Zero;
            var eight = 0UL;
            for (var s = 0; s < 8; s++)
            {
                eight |= (ulong)(byte)(sbyte)SubScale(block, s) << (8 * s);
            }

            return SuperBlock.Pairs(SuperBlock.Duplicate(eight).AsSByte());
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector256<byte> DecodeAvx2(byte* block, int j) =>
            Avx2.Shuffle(IQ4_NLKernel.TableAvx2(), Avx2Ops.Nibbles32(block + 8 + 16 * j).AsSByte()).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector128<sbyte> ScalesVector128(byte* block, out Vector128<sbyte> mins, out float d, out float dmin)
        {
            d = Fp16.Read(block);
            dmin = 0f;
            mins = Vector128<sbyte>.Zero;
            var eight = 0UL;
            for (var s = 0; s < 8; s++)
            {
                eight |= (ulong)(byte)(sbyte)SubScale(block, s) << (8 * s);
            }

            return V128Ops.DuplicateBytes(eight).AsSByte();
        }

        // Sub-block j is a whole 32-block (16 bytes of qs): low nibbles are values 0..15, high 16..31.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void DecodeVector128(byte* block, int j, out Vector128<sbyte> lo, out Vector128<sbyte> hi)
        {
            var (low, high) = V128Ops.Nibbles(block + 8 + 16 * j);
            lo = Vector128.ShuffleNative(IQ4_NLKernel.TableVector128(), low.AsSByte());
            hi = Vector128.ShuffleNative(IQ4_NLKernel.TableVector128(), high.AsSByte());
        }
    }
}
