using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Gguf;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>F16 weights: 2 bytes per element (IEEE half). Activations are rounded to F16 and both sides
/// are widened to f32 and multiplied-added in f32 (ggml vec_dot_f16 with F16C).</summary>
internal sealed class F16Kernel() : WeightKernel(GgmlType.F16, ActivationFormat.F16)
{
    internal override unsafe void DequantizeCore(byte* w, float* dst, int n)
    {
        var h = (ushort*)w;
        for (var i = 0; i < n; i++)
        {
            dst[i] = Fp16.ToFloat(h[i]);
        }
    }

    internal override bool HasVector128Dot => true;

    // Two or more activations: widen each side once per tile instead of per pair (WidenedTileProduct).
    internal override unsafe void MatMulCore(KernelPath path, byte* w, long wStride, int r0, int r1, byte* a, int aStride, int nAct, int n, float* output, int outputStride)
    {
        if (path == KernelPath.Avx2 && Avx2Ops.IsSupported && nAct >= 2)
        {
            WidenedTileProduct.MatMulAvx2<HalfBits>((ushort*)w, wStride, r0, r1, (ushort*)a, aStride, nAct, n, output, outputStride);
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

    internal static unsafe float DotScalar(ushort* x, ushort* y, int n)
    {
        var sum = 0f;
        for (var i = 0; i < n; i++)
        {
            sum += Fp16.ToFloat(x[i]) * Fp16.ToFloat(y[i]);
        }

        return sum;
    }

    internal static unsafe float DotAvx2(ushort* x, ushort* y, int n)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var i = 0;
        for (; i + 16 <= n; i += 16)
        {
            acc0 = Fma.MultiplyAdd(Avx2Ops.HalfToFloat(Sse2.LoadVector128(x + i)), Avx2Ops.HalfToFloat(Sse2.LoadVector128(y + i)), acc0);
            acc1 = Fma.MultiplyAdd(Avx2Ops.HalfToFloat(Sse2.LoadVector128(x + i + 8)), Avx2Ops.HalfToFloat(Sse2.LoadVector128(y + i + 8)), acc1);
        }

        for (; i + 8 <= n; i += 8)
        {
            acc0 = Fma.MultiplyAdd(Avx2Ops.HalfToFloat(Sse2.LoadVector128(x + i)), Avx2Ops.HalfToFloat(Sse2.LoadVector128(y + i)), acc0);
        }

        var sum = Avx2Ops.Sum(acc0 + acc1);
        for (; i < n; i++)
        {
            sum += Fp16.ToFloat(x[i]) * Fp16.ToFloat(y[i]);
        }

        return sum;
    }

    internal static unsafe float DotVector128(ushort* x, ushort* y, int n)
    {
        var acc0 = Vector128<float>.Zero;
        var acc1 = Vector128<float>.Zero;
        var i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var (x0, x1) = V128Ops.HalfToFloat(Vector128.Load(x + i));
            var (y0, y1) = V128Ops.HalfToFloat(Vector128.Load(y + i));
            acc0 += x0 * y0;
            acc1 += x1 * y1;
        }

        var sum = Vector128.Sum(acc0 + acc1);
        for (; i < n; i++)
        {
            sum += Fp16.ToFloat(x[i]) * Fp16.ToFloat(y[i]);
        }

        return sum;
    }
}
