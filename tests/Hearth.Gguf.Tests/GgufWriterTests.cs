using Hearth.Testing;

namespace Hearth.Gguf.Tests;

public class GgufWriterTests
{
    public static TheoryData<string> ModelFiles() => SharedGgufFiles.ModelNames();

    public static TheoryData<string> TokenizerFiles() => SharedGgufFiles.TokenizerNames();

    /// <summary>Copies a parsed file into a writer, streaming each tensor's bytes straight from the mapping.</summary>
    internal static GgufWriter CopyOf(GgufFile file)
    {
        var writer = new GgufWriter { Version = file.Version };
        foreach (var (key, value) in file.Metadata)
        {
            writer.SetMetadata(key, value);
        }

        foreach (var t in file.Tensors)
        {
            writer.AddTensor(t.Name, t.Type, t.Dimensions, s => s.Write(file.GetTensorBytes(t)));
        }

        return writer;
    }

    [Theory]
    [MemberData(nameof(ModelFiles))]
    public void Rewriting_a_shared_model_gives_identical_bytes(string relative)
    {
        var path = SharedData.Path(relative);
        using var file = GgufFile.Open(path);
        using var sink = new HashingStream();

        CopyOf(file).WriteTo(sink);

        Assert.Equal(file.FileSize, sink.Written);
        Assert.Equal(HashingStream.HashFile(path), sink.Finish());
    }

    /// <summary>
    /// The tokenizer/ files come from an older reference writer that ended tensor-less files without padding the
    /// (empty) data section; the current writer, like ours, pads it. Everything before that padding is identical.
    /// </summary>
    [Theory]
    [MemberData(nameof(TokenizerFiles))]
    public void Rewriting_an_old_vocab_file_gives_identical_bytes_plus_data_padding(string relative)
    {
        var path = SharedData.Path(relative);
        using var file = GgufFile.Open(path);
        using var sink = new HashingStream();

        CopyOf(file).WriteTo(sink);

        Assert.Empty(file.Tensors);
        Assert.Equal(file.DataOffset, sink.Written);
        using var expected = new HashingStream();
        expected.Write(File.ReadAllBytes(path));
        expected.Write(new byte[file.DataOffset - file.FileSize]);
        Assert.Equal(expected.Finish(), sink.Finish());
    }

    [Fact]
    public void Writes_every_value_type_and_reads_it_back()
    {
        var w = new GgufWriter { Alignment = 64 };
        w.SetMetadata("general.architecture", "test");
        w.SetMetadata("u8", GgufValue.From((byte)200));
        w.SetMetadata("i8", GgufValue.From((sbyte)-5));
        w.SetMetadata("u16", GgufValue.From((ushort)65000));
        w.SetMetadata("i16", GgufValue.From((short)-30000));
        w.SetMetadata("u32", 4_000_000_000u);
        w.SetMetadata("i32", -7);
        w.SetMetadata("f32", 1.5f);
        w.SetMetadata("bool", true);
        w.SetMetadata("u64", ulong.MaxValue);
        w.SetMetadata("i64", long.MinValue);
        w.SetMetadata("f64", Math.PI);
        w.SetMetadata("strings", ["a", "", "ünïcödé"]);
        w.SetMetadata("floats", [1f, -2f]);
        w.SetMetadata("ints", [3, 4, 5]);
        w.SetMetadata("bools", GgufValue.From(GgufArray.Create(new[] { true, false })));
        w.SetMetadata("nested", GgufValue.From(GgufArray.Create(new[] { GgufArray.Create(new[] { 1L, 2L }), GgufArray.Create(new[] { "x" }) })));
        var data = Enumerable.Range(0, 18 * 2).Select(i => (byte)i).ToArray();
        w.AddTensor("t0", GgmlType.Q4_0, [64], data);
        w.AddTensor("t1", GgmlType.F32, [3, 2], s => s.Write(new byte[24]));

        using var ms = new MemoryStream();
        w.WriteTo(ms);
        using var file = GgufFile.Open(ms.ToArray());
        var m = file.Metadata;

        Assert.Equal(3u, file.Version);
        Assert.Equal(64, file.Alignment);
        Assert.Equal(64u, m["general.alignment"].Value);
        Assert.Equal(200, m.GetInteger("u8"));
        Assert.Equal(-5, m.GetInteger("i8"));
        Assert.Equal(65000, m.GetInteger("u16"));
        Assert.Equal(-30000, m.GetInteger("i16"));
        Assert.Equal(4_000_000_000, m.GetInteger("u32"));
        Assert.Equal(-7, m.GetInt32("i32"));
        Assert.Equal(1.5, m.GetFloat("f32"));
        Assert.True(m.GetBool("bool"));
        Assert.Equal(ulong.MaxValue, m["u64"].Value);
        Assert.Throws<GgufMetadataException>(() => m.GetInteger("u64"));
        Assert.Equal(long.MinValue, m.GetInteger("i64"));
        Assert.Equal(Math.PI, m.GetFloat("f64"));
        Assert.Equal(["a", "", "ünïcödé"], m.GetStringArray("strings"));
        Assert.Equal([1f, -2f], m.GetFloat32Array("floats"));
        Assert.Equal([3, 4, 5], m.GetInt32Array("ints"));
        Assert.Equal([true, false], m.GetArray("bools").AsSpan<bool>().ToArray());
        var nested = m.GetArray("nested").AsSpan<GgufArray>();
        Assert.Equal([1L, 2L], nested[0].AsSpan<long>().ToArray());
        Assert.Equal(["x"], nested[1].AsSpan<string>().ToArray());
        Assert.Equal(["general.architecture", "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "u64", "i64", "f64", "strings", "floats", "ints", "bools", "nested", "general.alignment"], m.Keys);

        Assert.Equal(data, file.GetTensorBytes(file.GetTensor("t0")).ToArray());
        var t1 = file.GetTensor("t1");
        Assert.Equal(64, t1.Offset);
        Assert.Equal(2, t1.RowCount);
        Assert.Equal(file.DataOffset + 64 + 64, file.FileSize);
    }

    [Fact]
    public void Streamed_tensor_must_write_exactly_its_size()
    {
        var shortWriter = new GgufWriter();
        shortWriter.AddTensor("t", GgmlType.F32, [4], s => s.Write(new byte[15]));
        var ex = Assert.Throws<InvalidOperationException>(() => shortWriter.WriteTo(Stream.Null));
        Assert.Contains("'t'", ex.Message, StringComparison.Ordinal);

        var longWriter = new GgufWriter();
        longWriter.AddTensor("t", GgmlType.F32, [4], s => s.Write(new byte[17]));
        Assert.Throws<InvalidOperationException>(() => longWriter.WriteTo(Stream.Null));
    }

    [Fact]
    public void Rejects_bad_tensors()
    {
        var w = new GgufWriter();
        Assert.Throws<ArgumentException>(() => w.AddTensor("q", GgmlType.Q4_0, [33], new byte[18]));
        Assert.Throws<ArgumentException>(() => w.AddTensor("f", GgmlType.F32, [4], new byte[15]));
        Assert.Throws<ArgumentException>(() => w.AddTensor("d", GgmlType.F32, [1, 1, 1, 1, 1], new byte[4]));
        Assert.Throws<ArgumentException>(() => w.AddTensor(new string('n', 64), GgmlType.F32, [1], new byte[4]));
        Assert.Throws<ArgumentException>(() => w.AddTensor("u", (GgmlType)5, [1], new byte[4]));
        w.AddTensor("ok", GgmlType.F32, [1], new byte[4]);
        Assert.Throws<ArgumentException>(() => w.AddTensor("ok", GgmlType.F32, [1], new byte[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.Alignment = 24);
    }
}
