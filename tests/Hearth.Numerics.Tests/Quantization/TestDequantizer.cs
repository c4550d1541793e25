using System.Buffers.Binary;
using Hearth.Gguf;

namespace Hearth.Numerics.Tests.Quantization;

/// <summary>
/// Test-only scalar decoders, one per format, written from ggml's dequantize_row_* so the quantizer tests
/// do not depend on the production kernels (which are checked against these same layouts elsewhere).
/// </summary>
internal static class TestDequantizer
{
    public static float[] Dequantize(GgmlType type, ReadOnlySpan<byte> data, int n)
    {
        var y = new float[n];
        int bs = GgmlTypeInfo.BlockSize(type), bb = GgmlTypeInfo.BlockBytes(type);
        for (int b = 0; b < n / bs; b++)
        {
            var x = data.Slice(b * bb, bb);
            var o = y.AsSpan(b * bs, bs);
            switch (type)
            {
                case GgmlType.F32: o[0] = BinaryPrimitives.ReadSingleLittleEndian(x); break;
                case GgmlType.F16: o[0] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(x)); break;
                case GgmlType.BF16: o[0] = BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(x) << 16); break;
                case GgmlType.Q8_0: Q8_0(x, o); break;
                case GgmlType.Q4_0: Q4_0(x, o); break;
                case GgmlType.Q4_1: Q4_1(x, o); break;
                case GgmlType.Q5_0: Q5_0(x, o); break;
                case GgmlType.Q5_1: Q5_1(x, o); break;
                case GgmlType.Q2_K: Q2_K(x, o); break;
                case GgmlType.Q3_K: Q3_K(x, o); break;
                case GgmlType.Q4_K: Q4_K(x, o); break;
                case GgmlType.Q5_K: Q5_K(x, o); break;
                case GgmlType.Q6_K: Q6_K(x, o); break;
                default: throw new NotSupportedException(type.ToString());
            }
        }

        return y;
    }

    private static float H(ReadOnlySpan<byte> x) => (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(x));

    private static void Q8_0(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = H(x);
        for (int j = 0; j < 32; j++)
        {
            y[j] = (sbyte)x[2 + j] * d;
        }
    }

    private static void Q4_0(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = H(x);
        for (int j = 0; j < 16; j++)
        {
            y[j] = ((x[2 + j] & 0xF) - 8) * d;
            y[j + 16] = ((x[2 + j] >> 4) - 8) * d;
        }
    }

    private static void Q4_1(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = H(x), m = H(x[2..]);
        for (int j = 0; j < 16; j++)
        {
            y[j] = (x[4 + j] & 0xF) * d + m;
            y[j + 16] = (x[4 + j] >> 4) * d + m;
        }
    }

    private static void Q5_0(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = H(x);
        uint qh = BinaryPrimitives.ReadUInt32LittleEndian(x[2..]);
        for (int j = 0; j < 16; j++)
        {
            int h0 = (int)((qh >> j) & 1) << 4, h1 = (int)((qh >> (j + 16)) & 1) << 4;
            y[j] = (((x[6 + j] & 0xF) | h0) - 16) * d;
            y[j + 16] = (((x[6 + j] >> 4) | h1) - 16) * d;
        }
    }

    private static void Q5_1(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = H(x), m = H(x[2..]);
        uint qh = BinaryPrimitives.ReadUInt32LittleEndian(x[4..]);
        for (int j = 0; j < 16; j++)
        {
            int h0 = (int)((qh >> j) & 1) << 4, h1 = (int)((qh >> (j + 16)) & 1) << 4;
            y[j] = ((x[8 + j] & 0xF) | h0) * d + m;
            y[j + 16] = ((x[8 + j] >> 4) | h1) * d + m;
        }
    }

    private static void Q2_K(ReadOnlySpan<byte> x, Span<float> y)
    {
        var scales = x[..16];
        var q = x.Slice(16, 64);
        float d = H(x[80..]), min = H(x[82..]);
        int k = 0, isc = 0;
        for (int n = 0; n < 256; n += 128)
        {
            for (int shift = 0; shift < 8; shift += 2)
            {
                for (int half = 0; half < 2; half++)
                {
                    byte sc = scales[isc++];
                    float dl = d * (sc & 0xF), ml = min * (sc >> 4);
                    for (int l = 0; l < 16; l++)
                    {
                        y[k++] = (dl * ((q[(n / 4) + (half * 16) + l] >> shift) & 3)) - ml;
                    }
                }
            }
        }
    }

    private static void Q3_K(ReadOnlySpan<byte> x, Span<float> y)
    {
        var hm = x[..32];
        var q = x.Slice(32, 64);
        var sc = x.Slice(96, 12);
        float dAll = H(x[108..]);
        int k = 0, isc = 0, bit = 0;
        for (int n = 0; n < 256; n += 128)
        {
            for (int shift = 0; shift < 8; shift += 2, bit++)
            {
                for (int half = 0; half < 2; half++, isc++)
                {
                    int s = isc < 8 ? sc[isc] & 0xF : sc[isc - 8] >> 4;
                    s = (s | (((sc[8 + (isc % 4)] >> (2 * (isc / 4))) & 3) << 4)) - 32;
                    float dl = dAll * s;
                    for (int l = 0; l < 16; l++)
                    {
                        int idx = (half * 16) + l;
                        int v = ((q[(n / 4) + idx] >> shift) & 3) - (((hm[idx] >> bit) & 1) != 0 ? 0 : 4);
                        y[k++] = dl * v;
                    }
                }
            }
        }
    }

    private static (int Sc, int M) ScaleMin(int j, ReadOnlySpan<byte> q) => j < 4
        ? (q[j] & 63, q[j + 4] & 63)
        : ((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4));

    private static void Q4_K(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = H(x), min = H(x[2..]);
        var scales = x.Slice(4, 12);
        var q = x.Slice(16, 128);
        for (int j = 0, k = 0; j < 4; j++)
        {
            var (s1, m1) = ScaleMin(2 * j, scales);
            var (s2, m2) = ScaleMin((2 * j) + 1, scales);
            for (int l = 0; l < 32; l++)
            {
                y[k + l] = (d * s1 * (q[(32 * j) + l] & 0xF)) - (min * m1);
                y[k + 32 + l] = (d * s2 * (q[(32 * j) + l] >> 4)) - (min * m2);
            }

            k += 64;
        }
    }

    private static void Q5_K(ReadOnlySpan<byte> x, Span<float> y)
    {
        float d = H(x), min = H(x[2..]);
        var scales = x.Slice(4, 12);
        var qh = x.Slice(16, 32);
        var ql = x.Slice(48, 128);
        for (int j = 0, k = 0; j < 4; j++)
        {
            var (s1, m1) = ScaleMin(2 * j, scales);
            var (s2, m2) = ScaleMin((2 * j) + 1, scales);
            for (int l = 0; l < 32; l++)
            {
                int h1 = ((qh[l] >> (2 * j)) & 1) << 4, h2 = ((qh[l] >> ((2 * j) + 1)) & 1) << 4;
                y[k + l] = (d * s1 * ((ql[(32 * j) + l] & 0xF) + h1)) - (min * m1);
                y[k + 32 + l] = (d * s2 * ((ql[(32 * j) + l] >> 4) + h2)) - (min * m2);
            }

            k += 64;
        }
    }

    private static void Q6_K(ReadOnlySpan<byte> x, Span<float> y)
    {
        var ql = x[..128];
        var qh = x.Slice(128, 64);
        var sc = x.Slice(192, 16);
        float d = H(x[208..]);
        for (int n = 0; n < 2; n++)
        {
            for (int l = 0; l < 32; l++)
            {
                int isc = (8 * n) + (l / 16);
                int q1 = ((ql[(64 * n) + l] & 0xF) | (((qh[(32 * n) + l] >> 0) & 3) << 4)) - 32;
                int q2 = ((ql[(64 * n) + l + 32] & 0xF) | (((qh[(32 * n) + l] >> 2) & 3) << 4)) - 32;
                int q3 = ((ql[(64 * n) + l] >> 4) | (((qh[(32 * n) + l] >> 4) & 3) << 4)) - 32;
                int q4 = ((ql[(64 * n) + l + 32] >> 4) | (((qh[(32 * n) + l] >> 6) & 3) << 4)) - 32;
                y[(128 * n) + l] = d * (sbyte)sc[isc] * q1;
                y[(128 * n) + l + 32] = d * (sbyte)sc[isc + 2] * q2;
                y[(128 * n) + l + 64] = d * (sbyte)sc[isc + 4] * q3;
                y[(128 * n) + l + 96] = d * (sbyte)sc[isc + 6] * q4;
            }
        }
    }
}
