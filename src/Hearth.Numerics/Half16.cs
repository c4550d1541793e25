using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics;

/// <summary>
/// f32 &lt;-&gt; f16 helpers for attention over the F16 KV cache (the reference keeps K and V in F16).
/// AVX2 paths widen halves with integer ops in registers; other machines convert 256-element chunks
/// with TensorPrimitives (vectorized by the runtime) and then use its f32 kernels.
/// </summary>
public static class Half16
{
    private const int Chunk = 256;

    /// <summary>Rounds to nearest even (as the reference's F16C store).</summary>
    public static void FromFloat(ReadOnlySpan<float> src, Span<Half> dst)
    {
        CheckLengths(src.Length, dst.Length);
        TensorPrimitives.ConvertToHalf(src, dst[..src.Length]);
    }

    /// <summary>Exact widening.</summary>
    public static void ToFloat(ReadOnlySpan<Half> src, Span<float> dst)
    {
        CheckLengths(src.Length, dst.Length);
        TensorPrimitives.ConvertToSingle(src, dst[..src.Length]);
    }

    /// <summary>sum(a[i] * b[i]) in f32 over <c>a.Length</c> elements (<c>b.Length</c> must be at least that).</summary>
    public static float Dot(ReadOnlySpan<Half> a, ReadOnlySpan<float> b) => DotWith(WeightKernels.Path, a, b);

    /// <summary><c>acc[i] += scale * src[i]</c> over <c>src.Length</c> elements.</summary>
    public static void AddScaled(ReadOnlySpan<Half> src, float scale, Span<float> acc) => AddScaledWith(WeightKernels.Path, src, scale, acc);

    internal static unsafe float DotWith(KernelPath path, ReadOnlySpan<Half> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a.Length, b.Length);
        var n = a.Length;
        if (path == KernelPath.Avx2 && Avx2Ops.IsSupported)
        {
            fixed (Half* pa = a)
            fixed (float* pb = b)
            {
                var x = (ushort*)pa;
                var acc0 = Vector256<float>.Zero;
                var acc1 = Vector256<float>.Zero;
                var i = 0;
                for (; i + 16 <= n; i += 16)
                {
                    acc0 = Fma.MultiplyAdd(Avx2Ops.HalfToFloat(Sse2.LoadVector128(x + i)), Avx.LoadVector256(pb + i), acc0);
                    acc1 = Fma.MultiplyAdd(Avx2Ops.HalfToFloat(Sse2.LoadVector128(x + i + 8)), Avx.LoadVector256(pb + i + 8), acc1);
                }

                for (; i + 8 <= n; i += 8)
                {
                    acc0 = Fma.MultiplyAdd(Avx2Ops.HalfToFloat(Sse2.LoadVector128(x + i)), Avx.LoadVector256(pb + i), acc0);
                }

                var sum = Avx2Ops.Sum(acc0 + acc1);
                for (; i < n; i++)
                {
                    sum += Fp16.ToFloat(x[i]) * pb[i];
                }

                return sum;
            }
        }

        if (path == KernelPath.Scalar)
        {
            var s = 0f;
            var bits = MemoryMarshal.Cast<Half, ushort>(a);
            for (var i = 0; i < n; i++)
            {
                s += Fp16.ToFloat(bits[i]) * b[i];
            }

            return s;
        }

        Span<float> tmp = stackalloc float[Chunk];
        var total = 0f;
        for (var i = 0; i < n; i += Chunk)
        {
            var len = Math.Min(Chunk, n - i);
            TensorPrimitives.ConvertToSingle(a.Slice(i, len), tmp[..len]);
            total += TensorPrimitives.Dot(tmp[..len], b.Slice(i, len));
        }

        return total;
    }

    internal static unsafe void AddScaledWith(KernelPath path, ReadOnlySpan<Half> src, float scale, Span<float> acc)
    {
        CheckLengths(src.Length, acc.Length);
        var n = src.Length;
        if (path == KernelPath.Avx2 && Avx2Ops.IsSupported)
        {
            fixed (Half* ps = src)
            fixed (float* pa = acc)
            {
                var x = (ushort*)ps;
                var s = Vector256.Create(scale);
                var i = 0;
                for (; i + 8 <= n; i += 8)
                {
                    Avx.Store(pa + i, Fma.MultiplyAdd(Avx2Ops.HalfToFloat(Sse2.LoadVector128(x + i)), s, Avx.LoadVector256(pa + i)));
                }

                for (; i < n; i++)
                {
                    pa[i] += scale * Fp16.ToFloat(x[i]);
                }
            }

            return;
        }

        if (path == KernelPath.Scalar)
        {
            var bits = MemoryMarshal.Cast<Half, ushort>(src);
            for (var i = 0; i < n; i++)
            {
                acc[i] += scale * Fp16.ToFloat(bits[i]);
            }

            return;
        }

        Span<float> tmp = stackalloc float[Chunk];
        for (var i = 0; i < n; i += Chunk)
        {
            var len = Math.Min(Chunk, n - i);
            var dst = acc.Slice(i, len);
            TensorPrimitives.ConvertToSingle(src.Slice(i, len), tmp[..len]);
            TensorPrimitives.MultiplyAdd(tmp[..len], scale, dst, dst);
        }
    }

    private static void CheckLengths(int source, int destination)
    {
        if (destination < source)
        {
            throw new ArgumentException($"Destination holds {destination} elements; source has {source}.");
        }
    }
}
