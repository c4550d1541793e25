using System.Buffers.Binary;
using Hearth.Gguf;

namespace Hearth.Numerics.Tests.Quantization;

public class QuantizerContractTests
{
    [Fact]
    public void Supports_the_types_the_quantize_command_offers()
    {
        foreach (var t in new[] { GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0,
                     GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K })
        {
            Assert.True(Quantizer.CanQuantizeTo(t), t.ToString());
        }

        Assert.False(Quantizer.CanQuantizeTo(GgmlType.IQ2_XXS));
    }

    [Fact]
    public void Unsupported_type_names_the_supported_ones()
    {
        var ex = Assert.Throws<NotSupportedException>(() => Quantizer.QuantizeRow(GgmlType.IQ2_XXS, new float[256], new byte[1024]));
        Assert.Contains("IQ2_XXS", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Q4_K", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Length_must_be_a_multiple_of_the_block()
    {
        Assert.Throws<ArgumentException>(() => Quantizer.QuantizeRow(GgmlType.Q4_K, new float[128], new byte[1024]));
        Assert.Throws<ArgumentException>(() => Quantizer.QuantizeRow(GgmlType.Q8_0, new float[64], new byte[67]));
    }

    [Theory]
    [InlineData(1.0f, 0x3F80)]
    [InlineData(-2.5f, 0xC020)]
    [InlineData(float.PositiveInfinity, 0x7F80)]
    public void BF16_keeps_exact_values(float value, int expected) => Assert.Equal((ushort)expected, BF16(value));

    [Fact]
    public void BF16_rounds_to_nearest_even()
    {
        // 0x3F808000 lies exactly between 0x3F80 and 0x3F81: ties go to the even 0x3F80.
        Assert.Equal((ushort)0x3F80, BF16(BitConverter.UInt32BitsToSingle(0x3F808000)));
        // 0x3F818000 lies between 0x3F81 and 0x3F82: ties go to the even 0x3F82.
        Assert.Equal((ushort)0x3F82, BF16(BitConverter.UInt32BitsToSingle(0x3F818000)));
        // Just above half way rounds up.
        Assert.Equal((ushort)0x3F81, BF16(BitConverter.UInt32BitsToSingle(0x3F808001)));
        // The largest finite float rounds up to infinity, as in the reference.
        Assert.Equal((ushort)0x7F80, BF16(float.MaxValue));
    }

    [Fact]
    public void BF16_keeps_NaN_a_quiet_NaN()
    {
        // A signalling NaN whose payload lives only in the low 16 bits would truncate to infinity;
        // the reference sets the quiet bit instead.
        ushort bits = BF16(BitConverter.UInt32BitsToSingle(0x7F800001));
        Assert.Equal((ushort)0x7FC0, bits);
        Assert.True(float.IsNaN(BitConverter.UInt32BitsToSingle((uint)bits << 16)));
    }

    [Fact]
    public void F16_rounds_to_nearest_even_and_overflows_to_infinity()
    {
        // 1 + 2^-11 is half way between 1 and the next half (1 + 2^-10): ties to even gives 1.
        Assert.Equal((ushort)0x3C00, F16(1f + MathF.Pow(2, -11)));
        Assert.Equal((ushort)0x3C02, F16(1f + (3 * MathF.Pow(2, -11))));
        Assert.Equal((ushort)0x7C00, F16(70000f));
        Assert.Equal((ushort)0x0001, F16(MathF.Pow(2, -24))); // smallest subnormal
    }

    [Fact]
    public void Q8_0_rounds_half_away_from_zero_like_roundf()
    {
        // amax 127 gives d = 1, so x/d is the value itself; 2.5 → 3 and −2.5 → −3 (not banker's 2/−2).
        var x = new float[32];
        x[0] = 127;
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 0.5f;
        var q = new byte[34];
        Quantizer.QuantizeRow(GgmlType.Q8_0, x, q);
        Assert.Equal(1f, (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(q)));
        Assert.Equal(127, (sbyte)q[2]);
        Assert.Equal(3, (sbyte)q[3]);
        Assert.Equal(-3, (sbyte)q[4]);
        Assert.Equal(1, (sbyte)q[5]);
    }

    [Fact]
    public void Q4_0_scale_takes_the_sign_of_the_largest_magnitude()
    {
        // max|x| = 8 at a positive value: d = 8 / −8 = −1, so +8 is stored as level 0 and −7 as level 15.
        var x = new float[32];
        x[0] = 8;
        x[16] = -7;
        var q = new byte[18];
        Quantizer.QuantizeRow(GgmlType.Q4_0, x, q);
        Assert.Equal(-1f, (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(q)));
        Assert.Equal(0x00 | (15 << 4), q[2]);
        Assert.Equal(8 | (8 << 4), q[3]);
    }

    private static ushort BF16(float v)
    {
        var q = new byte[2];
        Quantizer.QuantizeRow(GgmlType.BF16, [v], q);
        return BinaryPrimitives.ReadUInt16LittleEndian(q);
    }

    private static ushort F16(float v)
    {
        var q = new byte[2];
        Quantizer.QuantizeRow(GgmlType.F16, [v], q);
        return BinaryPrimitives.ReadUInt16LittleEndian(q);
    }
}
