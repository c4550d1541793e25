using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Gguf;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Formats;

/// <summary>F32 weights: 4 bytes per element, little-endian IEEE single; activations stay f32
/// (ggml vec_dot_f32).</summary>
internal sealed class F32Kernel() : WeightKernel(GgmlType.F32, ActivationFormat.F32)
{
    internal override unsafe void DequantizeCore(byte* w, float* dst, int n) =>
        new ReadOnlySpan<float>(w, n).CopyTo(new Span<float>(dst, n));

    internal override bool HasVector128Dot => true;

    internal override unsafe float DotCore(KernelPath path, byte* w, byte* a, int n) => path switch
    {
        KernelPath.Avx2 when Fma.IsSupported => DotAvx2((float*)w, (float*)a, n),
        KernelPath.Vector128 or KernelPath.Avx2 when Vector128.IsHardwareAccelerated => DotVector128((float*)w, (float*)a, n),
        _ => DotScalar((float*)w, (float*)a, n),
    };

    internal static unsafe float DotScalar(float* x, float* y, int n)
    {
        var sum = 0f;
        for (var i = 0; i < n; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    internal static unsafe float DotAvx2(float* x, float* y, int n)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var acc2 = Vector256<float>.Zero;
        var acc3 = Vector256<float>.Zero;
        var i = 0;
        for (; i + 32 <= n; i += 32)
        {
            acc0 = Fma.MultiplyAdd(Avx.LoadVector256(x + i), Avx.LoadVector256(y + i), acc0);
            acc1 = Fma.MultiplyAdd(Avx.LoadVector256(x + i + 8), Avx.LoadVector256(y + i + 8), acc1);
            acc2 = Fma.MultiplyAdd(Avx.LoadVector256(x + i + 16), Avx.LoadVector256(y + i + 16), acc2);
            acc3 = Fma.MultiplyAdd(Avx.LoadVector256(x + i + 24), Avx.LoadVector256(y + i + 24), acc3);
        }

        for (; i + 8 <= n; i += 8)
        {
            acc0 = Fma.MultiplyAdd(Avx.LoadVector256(x + i), Avx.LoadVector256(y + i), acc0);
        }

        var sum = Avx2Ops.Sum((acc0 + acc1) + (acc2 + acc3));
        for (; i < n; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    internal static unsafe float DotVector128(float* x, float* y, int n)
    {
        var acc0 = Vector128<float>.Zero;
        var acc1 = Vector128<float>.Zero;
        var i = 0;
        for (; i + 8 <= n; i += 8)
        {
            acc0 += Vector128.Load(x + i) * Vector128.Load(y + i);
            acc1 += Vector128.Load(x + i + 4) * Vector128.Load(y + i + 4);
        }

        for (; i + 4 <= n; i += 4)
        {
            acc0 += Vector128.Load(x + i) * Vector128.Load(y + i);
        }

        var sum = Vector128.Sum(acc0 + acc1);
        for (; i < n; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }
}
