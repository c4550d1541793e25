using Hearth.Gguf;

namespace Hearth.Numerics;

/// <summary>
/// Dot products and matrix products of one weight format with activations in <see cref="Activation"/>
/// format, computed in place from the (memory-mapped) weight blocks. Single-threaded; the engine
/// splits rows across threads. Get instances from <see cref="WeightKernels.For"/>.
/// </summary>
public abstract class WeightKernel
{
    private protected WeightKernel(GgmlType type, ActivationFormat activation)
    {
        Type = type;
        Activation = activation;
        BlockSize = GgmlTypeInfo.BlockSize(type);
        BlockBytes = GgmlTypeInfo.BlockBytes(type);
    }

    /// <summary>The weight type.</summary>
    public GgmlType Type { get; }

    /// <summary>The format activations must be converted to (<see cref="ActivationQuantizer.Quantize"/>).</summary>
    public ActivationFormat Activation { get; }

    /// <summary>Elements per weight block.</summary>
    public int BlockSize { get; }

    /// <summary>Bytes per weight block.</summary>
    public int BlockBytes { get; }

    /// <summary>Bytes of a weight row of <paramref name="n"/> elements.</summary>
    public long RowBytes(int n) => GgmlTypeInfo.RowBytes(Type, n);

    /// <summary>Bytes of an activation row of <paramref name="n"/> elements in <see cref="Activation"/> format.</summary>
    public int ActivationRowBytes(int n) => ActivationQuantizer.RowBytes(Activation, n);

    /// <summary>Expands one weight row to f32 (token embeddings). <c>dst.Length</c> is the row length.</summary>
    public unsafe void DequantizeRow(ReadOnlySpan<byte> row, Span<float> dst)
    {
        var need = RowBytes(dst.Length);
        if (row.Length < need)
        {
            throw new ArgumentException($"{Type} row of {dst.Length} elements needs {need} bytes; got {row.Length}.", nameof(row));
        }

        fixed (byte* w = row)
        fixed (float* d = dst)
        {
            DequantizeCore(w, d, dst.Length);
        }
    }

    /// <summary>Dot product of one weight row and one activation row of <paramref name="n"/> elements.</summary>
    public float Dot(ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int n) =>
        DotWith(WeightKernels.Path, weightRow, activationRow, n);

    /// <summary>
    /// Rows [<paramref name="r0"/>, <paramref name="r1"/>) of the weight matrix times <paramref name="nAct"/>
    /// activation rows: <c>output[a * outputStride + r] = dot(W[r], act[a])</c>.
    /// </summary>
    public void MatMul(ReadOnlySpan<byte> weights, long weightRowBytes, int r0, int r1,
        ReadOnlySpan<byte> activations, int activationRowBytes, int nAct, int n,
        Span<float> output, int outputStride) =>
        MatMulWith(WeightKernels.Path, weights, weightRowBytes, r0, r1, activations, activationRowBytes, nAct, n, output, outputStride);

    internal unsafe float DotWith(KernelPath path, ReadOnlySpan<byte> weightRow, ReadOnlySpan<byte> activationRow, int n)
    {
        CheckRow(weightRow.Length, activationRow.Length, n);
        fixed (byte* w = weightRow)
        fixed (byte* a = activationRow)
        {
            return DotCore(path, w, a, n);
        }
    }

    internal unsafe void MatMulWith(KernelPath path, ReadOnlySpan<byte> weights, long weightRowBytes, int r0, int r1,
        ReadOnlySpan<byte> activations, int activationRowBytes, int nAct, int n, Span<float> output, int outputStride)
    {
        if (r0 < 0 || r1 < r0 || nAct < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(r1), $"Invalid row range [{r0}, {r1}) or activation count {nAct}.");
        }

        if (r1 == r0 || nAct == 0)
        {
            return;
        }

        var wRow = RowBytes(n);
        var aRow = ActivationRowBytes(n);
        if (weightRowBytes < wRow || activationRowBytes < aRow || outputStride < r1 && nAct > 1)
        {
            throw new ArgumentException($"Strides too small: weight {weightRowBytes} < {wRow}, activation {activationRowBytes} < {aRow}, or output {outputStride} < {r1}.");
        }

        if (weights.Length < (r1 - 1) * weightRowBytes + wRow
            || activations.Length < (long)(nAct - 1) * activationRowBytes + aRow
            || output.Length < (long)(nAct - 1) * outputStride + r1)
        {
            throw new ArgumentException($"Buffers too small for {r1 - r0} weight rows x {nAct} activation rows of {n} elements.");
        }

        fixed (byte* w = weights)
        fixed (byte* a = activations)
        fixed (float* o = output)
        {
            MatMulCore(path, w, weightRowBytes, r0, r1, a, activationRowBytes, nAct, n, o, outputStride);
        }
    }

    /// <summary>Scalar expansion of <paramref name="n"/> elements.</summary>
    internal abstract unsafe void DequantizeCore(byte* w, float* dst, int n);

    /// <summary>True when <see cref="DotCore"/> has its own <see cref="KernelPath.Vector128"/> path rather
    /// than the scalar fallback: the tier-comparison tests would pass either way, so tests assert this.</summary>
    internal virtual bool HasVector128Dot => false;

    /// <summary>Dot on the given tier; tiers a kernel lacks fall back to its scalar reference.</summary>
    internal abstract unsafe float DotCore(KernelPath path, byte* w, byte* a, int n);

    /// <summary>Default matrix product: weight row outer (stays in L1 while every activation row meets it).
    /// Kernels override it with register tiles on the vector tiers.</summary>
    internal virtual unsafe void MatMulCore(KernelPath path, byte* w, long wStride, int r0, int r1,
        byte* a, int aStride, int nAct, int n, float* output, int outputStride)
    {
        for (var r = r0; r < r1; r++)
        {
            var row = w + r * wStride;
            for (var i = 0; i < nAct; i++)
            {
                output[(long)i * outputStride + r] = DotCore(path, row, a + (long)i * aStride, n);
            }
        }
    }

    private void CheckRow(int weightBytes, int activationBytes, int n)
    {
        var w = RowBytes(n);
        var a = ActivationRowBytes(n);
        if (weightBytes < w || activationBytes < a)
        {
            throw new ArgumentException($"{Type} dot over {n} elements needs {w} weight bytes and {a} activation bytes; got {weightBytes} and {activationBytes}.");
        }
    }
}
