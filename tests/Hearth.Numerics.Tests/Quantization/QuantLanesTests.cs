using Hearth.Numerics.Quantization;

namespace Hearth.Numerics.Tests.Quantization;

/// <summary>The lane-parallel sub-block searches must give the scalar reference's bytes exactly.</summary>
public class QuantLanesTests
{
    public static TheoryData<string> Inputs() => ["gaussian", "outliers", "zeros", "constant", "positive", "tiny", "mixed"];

    private static float[] Input(string kind)
    {
        const int n = 64 * 256;
        var x = QuantizerRoundTripTests.Weights(kind.Length * 31, n);
        switch (kind)
        {
            case "outliers":
                for (int i = 0; i < n; i += 13)
                {
                    x[i] *= 40;
                }

                break;
            case "zeros":
                Array.Clear(x);
                break;
            case "constant":
                Array.Fill(x, 0.25f);
                break;
            case "positive":
                for (int i = 0; i < n; i++)
                {
                    x[i] = Math.Abs(x[i]) + 0.01f;
                }

                break;
            case "tiny":
                for (int i = 0; i < n; i++)
                {
                    x[i] *= 1e-18f;
                }

                break;
            case "mixed":
                // Every other 16/32-element group zero or constant, so lanes of one super-block take different paths.
                for (int i = 0; i < n; i++)
                {
                    int group = i / 16;
                    if (group % 3 == 0)
                    {
                        x[i] = 0;
                    }
                    else if (group % 5 == 0)
                    {
                        x[i] = -0.5f;
                    }
                }

                break;
        }

        return x;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Q4_K_lanes_match_scalar(string kind) => AssertSame(kind, Q4_KQuantizer.Quantize, Q4_KQuantizer.BlockBytes);

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Q5_K_lanes_match_scalar(string kind) => AssertSame(kind, Q5_KQuantizer.Quantize, Q5_KQuantizer.BlockBytes);

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Q6_K_lanes_match_scalar(string kind) => AssertSame(kind, Q6_KQuantizer.Quantize, Q6_KQuantizer.BlockBytes);

    private delegate void Quantize(ReadOnlySpan<float> src, Span<byte> dst, bool lanes);

    private static void AssertSame(string kind, Quantize quantize, int blockBytes)
    {
        var x = Input(kind);
        var scalar = new byte[x.Length / 256 * blockBytes];
        var lanes = new byte[scalar.Length];
        quantize(x, scalar, lanes: false);
        quantize(x, lanes, lanes: true);
        Assert.Equal(scalar, lanes);
    }
}
