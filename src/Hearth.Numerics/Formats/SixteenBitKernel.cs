using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Gguf;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>A 16-bit float format widened to f32: scalar, eight values (AVX2), or eight as two halves (Vector128).</summary>
internal interface IHalfWidth
{
    static abstract float Widen(ushort bits);

    static abstract Vector256<float> WidenAvx2(Vector128<ushort> bits);

    static abstract (Vector128<float> Lower, Vector128<float> Upper) WidenVector128(Vector128<ushort> bits);
}

/// <summary>IEEE half (F16): widened with integer ops, the runtime has no F16C intrinsic.</summary>
internal readonly struct HalfBits : IHalfWidth
{
    public static float Widen(ushort bits) => Fp16.ToFloat(bits);

    public static Vector256<float> WidenAvx2(Vector128<ushort> bits) => Avx2Ops.HalfToFloat(bits);

    public static (Vector128<float> Lower, Vector128<float> Upper) WidenVector128(Vector128<ushort> bits) => V128Ops.HalfToFloat(bits);
}

/// <summary>bfloat16: the upper half of an f32, widened by a shift.</summary>
internal readonly struct BFloatBits : IHalfWidth
{
    public static float Widen(ushort bits) => Fp16.BFloatToFloat(bits);

    public static Vector256<float> WidenAvx2(Vector128<ushort> bits) => Avx2Ops.BFloatToFloat(bits);

    public static (Vector128<float> Lower, Vector128<float> Upper) WidenVector128(Vector128<ushort> bits) =>
        ((Vector128.WidenLower(bits) << 16).AsSingle(), (Vector128.WidenUpper(bits) << 16).AsSingle());
}

/// <summary>F16 weights: 2 bytes per element (IEEE half). Activations are rounded to F16 and both sides
/// are widened to f32 and multiplied-added in f32 (ggml vec_dot_f16 with F16C).</summary>
internal sealed class F16Kernel() : SixteenBitKernel<HalfBits>(GgmlType.F16, ActivationFormat.F16);

/// <summary>BF16 weights: 2 bytes per element, the upper half of an f32. Activations are rounded to BF16
/// and the products summed in f32 (ggml vec_dot_bf16).</summary>
/// <remarks>The products are exact in f32, so only the order of the additions can differ from the reference, and the
/// reference's own order depends on the CPU it was built for (llamafile sgemm: one 8-lane accumulator on AVX2, one
/// 16-lane on AVX-512F, vdpbf16ps pairs on AVX512-BF16). The AVX2 tier follows the AVX-512F order, of those the one
/// closest to shared/reference/logits; a reference built with AVX512-BF16 differs from those logits by 0.021 itself.</remarks>
internal sealed class BF16Kernel() : SixteenBitKernel<BFloatBits>(GgmlType.BF16, ActivationFormat.BF16);

/// <summary>Weights of a 16-bit float format dotted with activations of the same format, both widened to f32.</summary>
internal abstract class SixteenBitKernel<T>(GgmlType type, ActivationFormat activation) : WeightKernel(type, activation)
    where T : IHalfWidth
{
    internal override unsafe void DequantizeCore(byte* w, float* dst, int n)
    {
        var h = (ushort*)w;
        for (var i = 0; i < n; i++)
        {
            dst[i] = T.Widen(h[i]);
        }
    }

    internal override bool HasVector128Dot => true;

    // Two or more activations: widen each side once per tile instead of per pair (WidenedTileProduct).
    internal override unsafe void MatMulCore(KernelPath path, byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
    {
        if (path == KernelPath.Avx2 && Avx2Ops.IsSupported && nAct >= 2)
        {
            WidenedTileProduct.MatMulAvx2<T>((ushort*)w, wStride, r0, r1, (ushort*)a, aStride, nAct, n, output, outputStride);
        }
        else
        {
            base.MatMulCore(path, w, wStride, r0, r1, a, aStride, nAct, n, output, outputStride);
        }
    }

    internal override unsafe float DotCore(KernelPath path, byte* w, byte* a, int n) => path switch
    {
        KernelPath.Avx2 when Avx2.IsSupported && Fma.IsSupported => DotAvx2((ushort*)w, (ushort*)a, n),
        KernelPath.Vector128 or KernelPath.Avx2 when Vector128.IsHardwareAccelerated => DotVector128((ushort*)w, (ushort*)a, n),
        _ => DotScalar((ushort*)w, (ushort*)a, n),
    };

    private static unsafe float DotScalar(ushort* x, ushort* y, int n)
    {
        var sum = 0f;
        for (var i = 0; i < n; i++)
        {
            sum += T.Widen(x[i]) * T.Widen(y[i]);
        }

        return sum;
    }

    // WidenedTileProduct.RowTile sums in exactly this order (two accumulators 8 apart, an 8-wide remainder, the
    // scalar tail); keep them in step.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float DotAvx2(ushort* x, ushort* y, int n)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var i = 0;
        for (; i + 16 <= n; i += 16)
        {
            acc0 = Fma.MultiplyAdd(T.WidenAvx2(Sse2.LoadVector128(x + i)), T.WidenAvx2(Sse2.LoadVector128(y + i)), acc0);
            acc1 = Fma.MultiplyAdd(T.WidenAvx2(Sse2.LoadVector128(x + i + 8)), T.WidenAvx2(Sse2.LoadVector128(y + i + 8)), acc1);
        }

        for (; i + 8 <= n; i += 8)
        {
            acc0 = Fma.MultiplyAdd(T.WidenAvx2(Sse2.LoadVector128(x + i)), T.WidenAvx2(Sse2.LoadVector128(y + i)), acc0);
        }

        var sum = Avx2Ops.Sum(acc0 + acc1);
        for (; i < n; i++)
        {
            sum += T.Widen(x[i]) * T.Widen(y[i]);
        }

        return sum;
    }

    private static unsafe float DotVector128(ushort* x, ushort* y, int n)
    {
        var acc0 = Vector128<float>.Zero;
        var acc1 = Vector128<float>.Zero;
        var i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var (x0, x1) = T.WidenVector128(Vector128.Load(x + i));
            var (y0, y1) = T.WidenVector128(Vector128.Load(y + i));
            acc0 += x0 * y0;
            acc1 += x1 * y1;
        }

        var sum = Vector128.Sum(acc0 + acc1);
        for (; i < n; i++)
        {
            sum += T.Widen(x[i]) * T.Widen(y[i]);
        }

        return sum;
    }
}
