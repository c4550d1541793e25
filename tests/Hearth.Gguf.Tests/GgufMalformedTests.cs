namespace Hearth.Gguf.Tests;

/// <summary>One hand-made malformed file per rule the parser enforces; each must fail with the offset and reason.</summary>
public class GgufMalformedTests
{
    private static GgufFormatException Rejects(RawGguf raw) => Rejects(raw.ToArray());

    private static GgufFormatException Rejects(byte[] bytes)
    {
        var ex = Assert.Throws<GgufFormatException>(() => GgufFile.Open(bytes));
        Assert.InRange(ex.Offset, 0, bytes.Length);
        Assert.Contains(ex.Reason, ex.Message, StringComparison.Ordinal);
        return ex;
    }

    private static void ReasonContains(GgufFormatException ex, string text) =>
        Assert.True(ex.Reason.Contains(text, StringComparison.Ordinal), $"reason '{ex.Reason}' lacks '{text}'");

    [Fact]
    public void Wrong_magic()
    {
        var ex = Rejects(new RawGguf().Bytes("GGML"u8).U32(3).I64(0).I64(0));
        Assert.Equal(0, ex.Offset);
        ReasonContains(ex, "magic");
    }

    [Theory]
    [InlineData(1u, "version 1 is not supported")]
    [InlineData(4u, "unsupported GGUF version 4")]
    [InlineData(0u, "unsupported GGUF version 0")]
    [InlineData(0x03000000u, "byte-swapped")]
    public void Unsupported_versions(uint version, string reason)
    {
        var ex = Rejects(RawGguf.Header(0, 0, version));
        Assert.Equal(4, ex.Offset);
        ReasonContains(ex, reason);
    }

    [Fact]
    public void Version_2_parses()
    {
        using var file = GgufFile.Open(RawGguf.Header(0, 1, version: 2).KvString("general.architecture", "x").ToArray());
        Assert.Equal(2u, file.Version);
        Assert.Equal("x", file.Metadata.GetString("general.architecture"));
    }

    [Fact]
    public void Absurd_counts_are_rejected_before_allocating()
    {
        ReasonContains(Rejects(RawGguf.Header(1L << 60, 0)), "tensor count");
        Assert.Equal(16, Rejects(RawGguf.Header(0, 1L << 60)).Offset);
        ReasonContains(Rejects(RawGguf.Header(-1, 0)), "tensor count");
        var array = RawGguf.Header(0, 1).Str("a").U32((uint)GgufValueType.Array).U32((uint)GgufValueType.String).U64(1UL << 40);
        ReasonContains(Rejects(array), "claims 1099511627776");
    }

    [Fact]
    public void Truncated_header()
    {
        var ex = Rejects(RawGguf.Header(0, 0).ToArray().AsSpan(0, 20).ToArray());
        Assert.Equal(0, ex.Offset);
        ReasonContains(ex, "shorter than the 24-byte");
    }

    [Fact]
    public void String_length_past_the_end()
    {
        var ex = Rejects(RawGguf.Header(0, 1).U64(1000).Bytes("abc"u8).Zeros(16));
        Assert.Equal(24, ex.Offset);
        ReasonContains(ex, "runs past the end");
    }

    [Fact]
    public void Unknown_value_type()
    {
        var ex = Rejects(RawGguf.Header(0, 1).Str("k").U32(13).U32(0));
        Assert.Equal(24 + 9, ex.Offset);
        ReasonContains(ex, "unknown metadata value type 13");
    }

    [Fact]
    public void Duplicate_key()
    {
        ReasonContains(Rejects(RawGguf.Header(0, 2).KvU32("k", 1).KvU32("k", 2)), "duplicate metadata key 'k'");
    }

    [Fact]
    public void Deeply_nested_arrays_are_rejected_not_a_stack_overflow()
    {
        var raw = RawGguf.Header(0, 1).Str("deep").U32((uint)GgufValueType.Array);
        for (var i = 0; i < 10_000; i++)
        {
            raw.U32((uint)GgufValueType.Array).U64(1);
        }

        raw.U32((uint)GgufValueType.UInt8).U64(0);
        ReasonContains(Rejects(raw), "nests arrays");
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(48u)]
    public void Alignment_must_be_a_power_of_two(uint alignment)
    {
        ReasonContains(Rejects(RawGguf.Header(0, 1).KvU32("general.alignment", alignment)), "power of two");
    }

    [Fact]
    public void Alignment_must_be_uint32()
    {
        ReasonContains(Rejects(RawGguf.Header(0, 1).KvString("general.alignment", "32")), "must be a uint32");
    }

    [Fact]
    public void Custom_alignment_places_data()
    {
        var raw = RawGguf.Header(1, 1).KvU32("general.alignment", 64).Tensor("t", GgmlType.F32, [4], 0).Align(64).Zeros(16);
        using var file = GgufFile.Open(raw.ToArray());
        Assert.Equal(64, file.Alignment);
        Assert.Equal(0, file.DataOffset % 64);
    }

    [Fact]
    public void Unknown_tensor_type_is_named()
    {
        var raw = RawGguf.Header(1, 0).Tensor("w", (GgmlType)5, [32], 0).Align().Zeros(32);
        ReasonContains(Rejects(raw), "unknown ggml type 5");
    }

    [Fact]
    public void Too_many_dimensions()
    {
        var raw = RawGguf.Header(1, 0).Tensor("w", GgmlType.F32, [1, 1, 1, 1, 1], 0).Align().Zeros(32);
        ReasonContains(Rejects(raw), "5 dimensions");
    }

    [Fact]
    public void Negative_dimension()
    {
        ReasonContains(Rejects(RawGguf.Header(1, 0).Tensor("w", GgmlType.F32, [-4], 0).Align().Zeros(32)), "negative");
    }

    [Fact]
    public void Dimension_product_overflow()
    {
        var raw = RawGguf.Header(1, 0).Tensor("w", GgmlType.F32, [1L << 32, 1L << 32], 0).Align().Zeros(32);
        ReasonContains(Rejects(raw), "more elements than a 64-bit count");
    }

    [Fact]
    public void Byte_size_overflow()
    {
        var raw = RawGguf.Header(1, 0).Tensor("w", GgmlType.F64, [1L << 61], 0).Align().Zeros(32);
        ReasonContains(Rejects(raw), "byte size overflows");
    }

    [Fact]
    public void Row_not_a_multiple_of_the_block()
    {
        var raw = RawGguf.Header(1, 0).Tensor("w", GgmlType.Q4_0, [33], 0).Align().Zeros(64);
        ReasonContains(Rejects(raw), "block size 32");
    }

    [Fact]
    public void Tensor_outside_the_file()
    {
        var raw = RawGguf.Header(1, 0).Tensor("w", GgmlType.F32, [16], 0).Align().Zeros(32);
        ReasonContains(Rejects(raw), "lies outside the file");
        var far = RawGguf.Header(1, 0).Tensor("w", GgmlType.F32, [1], ulong.MaxValue - 31).Align().Zeros(32);
        Rejects(far);
    }

    [Fact]
    public void Misaligned_offset()
    {
        var raw = RawGguf.Header(1, 0).Tensor("w", GgmlType.F32, [1], 8).Align().Zeros(64);
        ReasonContains(Rejects(raw), "not a multiple of the alignment 32");
    }

    [Fact]
    public void Overlapping_tensors()
    {
        var raw = RawGguf.Header(2, 0).Tensor("a", GgmlType.F32, [16], 0).Tensor("b", GgmlType.F32, [8], 32).Align().Zeros(128);
        ReasonContains(Rejects(raw), "overlaps tensor 'a'");
    }

    [Fact]
    public void Duplicate_tensor_name()
    {
        var raw = RawGguf.Header(2, 0).Tensor("a", GgmlType.F32, [8], 0).Tensor("a", GgmlType.F32, [8], 32).Align().Zeros(64);
        ReasonContains(Rejects(raw), "duplicate tensor name 'a'");
    }

    [Fact]
    public void Tensor_name_too_long()
    {
        var raw = RawGguf.Header(1, 0).Tensor(new string('n', 64), GgmlType.F32, [8], 0).Align().Zeros(32);
        ReasonContains(Rejects(raw), "longer than 63 bytes");
    }

    [Fact]
    public void Zero_sized_and_zero_dimensional_tensors_parse()
    {
        var raw = RawGguf.Header(2, 0).Tensor("empty", GgmlType.F32, [0, 4], 0).Tensor("scalar", GgmlType.F32, [], 0).Align().Zeros(32);
        using var file = GgufFile.Open(raw.ToArray());

        var empty = file.GetTensor("empty");
        Assert.Equal(0, empty.ElementCount);
        Assert.Equal(0, empty.ByteSize);
        Assert.Equal(4, empty.RowCount);
        Assert.Equal(0, file.GetTensorBytes(empty).Length);
        var scalar = file.GetTensor("scalar");
        Assert.Equal(1, scalar.ElementCount);
        Assert.Equal(4, scalar.ByteSize);
        Assert.Equal(1, scalar.RowLength);
    }
}
