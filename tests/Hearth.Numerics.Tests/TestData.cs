using Hearth.Gguf;
using Hearth.Numerics.Simd;

namespace Hearth.Numerics.Tests;

/// <summary>Seeded random weights and activations for kernel tests.</summary>
internal static class TestData
{
    /// <summary>Byte offsets of the f16 scale fields inside one block of each format (ggml-common.h);
    /// random bytes there could be inf/NaN, so tests overwrite them with moderate values.</summary>
    private static readonly Dictionary<GgmlType, int[]> HalfFields = new()
    {
        [GgmlType.Q4_0] = [0], [GgmlType.Q4_1] = [0, 2], [GgmlType.Q5_0] = [0], [GgmlType.Q5_1] = [0, 2],
        [GgmlType.Q8_0] = [0], [GgmlType.IQ4_NL] = [0], [GgmlType.IQ4_XS] = [0],
        [GgmlType.Q2_K] = [80, 82], [GgmlType.Q3_K] = [108], [GgmlType.Q4_K] = [0, 2], [GgmlType.Q5_K] = [0, 2],
        [GgmlType.Q6_K] = [208],
    };

    public static float[] Floats(Random rng, int n, float scale = 1f)
    {
        var x = new float[n];
        for (var i = 0; i < n; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        }

        return x;
    }

    /// <summary><paramref name="rows"/> random weight rows of <paramref name="n"/> elements, each
    /// <paramref name="stride"/> bytes apart.</summary>
    public static byte[] Weights(Random rng, GgmlType type, int n, int rows = 1, long stride = 0)
    {
        var rowBytes = GgmlTypeInfo.RowBytes(type, n);
        if (stride == 0)
        {
            stride = rowBytes;
        }

        var data = new byte[(rows - 1) * stride + rowBytes];
        switch (type)
        {
            case GgmlType.F32:
                Buffer.BlockCopy(Floats(rng, data.Length / 4), 0, data, 0, data.Length / 4 * 4);
                break;
            case GgmlType.F16:
                for (var i = 0; i + 1 < data.Length; i += 2)
                {
                    BitConverter.TryWriteBytes(data.AsSpan(i), Fp16.FromFloat((float)(rng.NextDouble() * 2 - 1)));
                }

                break;
            case GgmlType.BF16:
                for (var i = 0; i + 1 < data.Length; i += 2)
                {
                    BitConverter.TryWriteBytes(data.AsSpan(i), Fp16.FloatToBFloat((float)(rng.NextDouble() * 2 - 1)));
                }

                break;
            default:
                rng.NextBytes(data);
                var blockBytes = GgmlTypeInfo.BlockBytes(type);
                for (var r = 0; r < rows; r++)
                {
                    for (long o = r * stride; o < r * stride + rowBytes; o += blockBytes)
                    {
                        foreach (var f in HalfFields[type])
                        {
                            var v = (float)(0.001 + rng.NextDouble() * 0.05);
                            BitConverter.TryWriteBytes(data.AsSpan((int)o + f), Fp16.FromFloat(v));
                        }
                    }
                }

                break;
        }

        return data;
    }

    /// <summary>A weight row whose every quant and scale byte is <paramref name="fill"/> (f16 scale fields
    /// 0.01): the extremes random rows rarely reach together, such as Q8_0's -128 or IQ4_NL's -127 in
    /// every lane against activations of +-127, where int16 pair sums come closest to overflowing.</summary>
    public static byte[] Filled(GgmlType type, int n, byte fill)
    {
        var data = new byte[GgmlTypeInfo.RowBytes(type, n)];
        data.AsSpan().Fill(fill);
        var blockBytes = GgmlTypeInfo.BlockBytes(type);
        for (var o = 0; o < data.Length; o += blockBytes)
        {
            foreach (var f in HalfFields[type])
            {
                BitConverter.TryWriteBytes(data.AsSpan(o + f), Fp16.FromFloat(0.01f));
            }
        }

        return data;
    }

    /// <summary>An activation row in the kernel's format.</summary>
    public static byte[] Activation(Random rng, WeightKernel kernel, int n, out float[] source)
    {
        source = Floats(rng, n, 2f);
        var dst = new byte[kernel.ActivationRowBytes(n)];
        ActivationQuantizer.Quantize(kernel.Activation, source, dst);
        return dst;
    }

    /// <summary>Row lengths to try for a format: 1..N blocks for block formats (odd counts included),
    /// 1..300 for plain types.</summary>
    public static IEnumerable<int> Lengths(GgmlType type)
    {
        var block = GgmlTypeInfo.BlockSize(type);
        if (block == 1)
        {
            return Enumerable.Range(1, 300);
        }

        return block == 32 ? Enumerable.Range(1, 40).Select(b => b * 32) : Enumerable.Range(1, 9).Append(16).Select(b => b * 256);
    }
}
