using System.Buffers.Binary;
using System.Text;
using Hearth.Testing;
using Xunit.Abstractions;

namespace Hearth.Gguf.Tests;

/// <summary>
/// Seeded mutation ("fuzz") test over the shared model files: flips bytes, plants boundary values in count and
/// length fields, truncates and inserts/deletes bytes, then parses the mutant from memory. Every outcome must be a
/// successful parse whose tensors lie inside the buffer, or a <see cref="GgufFormatException"/>; anything else fails
/// with the seed and mutation printed so it can be replayed.
/// </summary>
public class GgufMutationTests(ITestOutputHelper output)
{
    private const int Seed = 20261122;
    private const int Mutants = 12_000;

    /// <summary>
    /// Every twentieth mutant mutates an original file; the rest mutate "slim" copies whose long metadata arrays
    /// (vocabulary, scores, merges) are cut to <see cref="SlimArrayLength"/> entries, written with GgufWriter. The
    /// structure (every key type, the tensor directory, alignment, data) is the same, but each parse is ~50x cheaper.
    /// </summary>
    private const int OriginalEvery = 20;

    private const int SlimArrayLength = 48;

    /// <summary>Most bytes one insert/delete mutation adds or removes.</summary>
    private const int Room = 16;

    private static readonly ulong[] Boundary =
    [
        0, 1, 2, 3, 4, 5, 31, 32, 33, 63, 64, 255, 256, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        0x1_0000_0000, 1UL << 60, long.MaxValue, (ulong)long.MaxValue + 1, ulong.MaxValue, ulong.MaxValue - 7,
    ];

    [Fact]
    public void Mutated_files_parse_or_raise_GgufFormatException()
    {
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var (originals, slims) = LoadSources();
        var failures = new List<string>();
        int parsed = 0, rejected = 0;

        for (var i = 0; i < Mutants; i++)
        {
            var rng = new Random(Seed + i);
            var pool = i % OriginalEvery == 0 ? originals : slims;
            var src = pool[rng.Next(pool.Count)];
            var (buffer, start, length, description, restore) = Mutate(rng, src);
            try
            {
                using var file = GgufFile.Open(new ReadOnlyMemory<byte>(buffer, start, length));
                CheckParsed(file, length);
                parsed++;
            }
            catch (GgufFormatException)
            {
                rejected++;
            }
#pragma warning disable CA1031 // The point of the test is to catch every other exception and report it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures.Add($"seed {Seed} mutant {i}: {src.Name}: {description}: {ex.GetType().Name}: {ex.Message}");
            }
            finally
            {
                restore();
            }
        }

        output.WriteLine($"{Mutants} mutants over {originals.Count} files and their slim copies: {parsed} parsed, {rejected} rejected, {failures.Count} crashed; "
            + $"process CPU {(System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(20)));
        Assert.True(rejected > Mutants / 10, $"only {rejected} mutants were rejected; the mutations are not reaching the parser");
        Assert.True(parsed > Mutants / 20, $"only {parsed} mutants parsed; the mutations are too destructive to test the success path");
    }

    private static void CheckParsed(GgufFile file, int length)
    {
        foreach (var t in file.Tensors)
        {
            if (file.DataOffset + t.Offset + t.ByteSize > length)
            {
                throw new InvalidOperationException($"tensor '{t.Name}' [{t.Offset}+{t.ByteSize}] lies outside the {length}-byte buffer");
            }

            var bytes = file.GetTensorBytes(t);
            if (bytes.Length != t.ByteSize)
            {
                throw new InvalidOperationException($"tensor '{t.Name}' span is {bytes.Length} bytes, expected {t.ByteSize}");
            }
        }

        // `hearth info` describes whatever parsed, so its summary must not fail either.
        _ = Hearth.Gguf.Summary.GgufModelSummary.From(file);

        // Walk the metadata the way consumers do; typed getters may refuse (GgufMetadataException) but not crash.
        foreach (var (key, value) in file.Metadata)
        {
            _ = value.ToString();
            try
            {
                _ = value.Type switch
                {
                    GgufValueType.Array => file.Metadata.GetArray(key).Count,
                    GgufValueType.String => file.Metadata.GetString(key).Length,
                    _ => (object?)file.Metadata.TryGetFloat(key),
                };
            }
            catch (GgufMetadataException)
            {
            }
        }
    }

    private static (byte[] Buffer, int Start, int Length, string Description, Action Restore) Mutate(Random rng, Source src)
    {
        var data = src.Bytes;
        var kind = rng.Next(100);
        var pos = PickPosition(rng, src);

        if (kind < 35)
        {
            // Overwrite 1-4 bytes with random values, in place.
            var n = Math.Min(1 + rng.Next(4), data.Length - pos);
            var saved = data.AsSpan(pos, n).ToArray();
            rng.NextBytes(data.AsSpan(pos, n));
            return (data, 0, data.Length, $"random bytes at {pos} x{n}", () => saved.CopyTo(data, pos));
        }

        if (kind < 65)
        {
            // Plant a boundary value as u8/u32/u64 (counts, lengths, types, dims, offsets are these widths).
            var value = Boundary[rng.Next(Boundary.Length)];
            var width = new[] { 1, 4, 8 }[rng.Next(3)];
            width = Math.Min(width, data.Length - pos);
            var saved = data.AsSpan(pos, width).ToArray();
            Span<byte> le = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(le, value);
            le[..width].CopyTo(data.AsSpan(pos, width));
            return (data, 0, data.Length, $"u{width * 8} {value} at {pos}", () => saved.CopyTo(data, pos));
        }

        if (kind < 80)
        {
            // Truncate: mostly inside the header/metadata/directory, sometimes inside the data.
            var length = rng.Next(4) == 0 ? rng.Next(data.Length) : Math.Min(pos, data.Length - 1);
            return (data, 0, length, $"truncated to {length}", () => { });
        }

        // Insert or delete bytes without copying the whole file: the scratch buffer holds the file at offset
        // Room, so only the prefix before the mutation point moves (left to insert, right to delete).
        var scratch = src.Scratch;
        if (kind < 90)
        {
            var n = 1 + rng.Next(Room);
            var start = Room - n;
            data.AsSpan(0, pos).CopyTo(scratch.AsSpan(start));
            rng.NextBytes(scratch.AsSpan(start + pos, n));
            return (scratch, start, data.Length + n, $"{n} random bytes inserted at {pos}", () => data.AsSpan(0, pos).CopyTo(scratch.AsSpan(Room)));
        }

        {
            var n = Math.Min(1 + rng.Next(Room), data.Length - pos);
            var start = Room + n;
            data.AsSpan(0, pos).CopyTo(scratch.AsSpan(start));
            return (scratch, start, data.Length - n, $"{n} bytes deleted at {pos}", () => data.AsSpan(0, pos + n).CopyTo(scratch.AsSpan(Room)));
        }
    }

    /// <summary>Parsing happens in the header, metadata and tensor directory, so most mutations land there.</summary>
    private static int PickPosition(Random rng, Source src)
    {
        var r = rng.Next(100);
        return r switch
        {
            < 25 => rng.Next(Math.Min(64, src.HeaderEnd)),                                  // magic, version, counts, first key
            < 55 => src.DirectoryStart + rng.Next(Math.Max(1, src.HeaderEnd - src.DirectoryStart)), // tensor directory
            < 80 => PickKeyOrTypeField(rng, src),                                            // around metadata keys
            < 92 => rng.Next(src.HeaderEnd),                                                 // anywhere before the data
            _ => rng.Next(src.Bytes.Length),                                                 // anywhere
        };
    }

    private static int PickKeyOrTypeField(Random rng, Source src)
    {
        var at = src.KeyOffsets[rng.Next(src.KeyOffsets.Length)];
        return Math.Clamp(at - 12 + rng.Next(24 + 32), 0, src.Bytes.Length - 1);
    }

    private static (List<Source> Originals, List<Source> Slims) LoadSources()
    {
        var originals = new List<Source>();
        var slims = new List<Source>();
        foreach (var path in SharedGgufFiles.All.Where(f => Path.GetRelativePath(SharedData.Dir, f).StartsWith("models", StringComparison.Ordinal)))
        {
            var bytes = File.ReadAllBytes(path);
            originals.Add(ToSource(Path.GetFileName(path), bytes));
            slims.Add(ToSource(Path.GetFileName(path) + " (slim)", Slim(bytes)));
        }

        return (originals, slims);
    }

    private static Source ToSource(string name, byte[] bytes)
    {
        using var file = GgufFile.Open(bytes);
        return new Source(name, bytes, (int)file.DataOffset, FindDirectoryStart(bytes, file), FindKeyOffsets(bytes, file));
    }

    private static byte[] Slim(byte[] bytes)
    {
        using var file = GgufFile.Open(bytes);
        var writer = new GgufWriter { Version = file.Version };
        foreach (var (key, value) in file.Metadata)
        {
            writer.SetMetadata(key, value.AsArray() is { Count: > SlimArrayLength } a ? GgufValue.From(a.Take(SlimArrayLength)) : value);
        }

        foreach (var t in file.Tensors)
        {
            writer.AddTensor(t.Name, t.Type, t.Dimensions, s => s.Write(file.GetTensorBytes(t)));
        }

        using var ms = new MemoryStream();
        writer.WriteTo(ms);
        return ms.ToArray();
    }

    /// <summary>Offset of the first tensor entry: where the first tensor's name (with its length prefix) appears after the metadata.</summary>
    private static int FindDirectoryStart(byte[] bytes, GgufFile file)
    {
        if (file.Tensors.Count == 0)
        {
            return Math.Max(0, (int)file.DataOffset - 64);
        }

        var name = Encoding.UTF8.GetBytes(file.Tensors[0].Name);
        var needle = new byte[8 + name.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(needle, (ulong)name.Length);
        name.CopyTo(needle, 8);
        var at = bytes.AsSpan(0, (int)file.DataOffset).LastIndexOf(needle);
        return at < 0 ? 0 : at;
    }

    private static int[] FindKeyOffsets(byte[] bytes, GgufFile file)
    {
        var offsets = new List<int> { 24 };
        foreach (var key in file.Metadata.Keys)
        {
            var at = bytes.AsSpan(0, (int)file.DataOffset).IndexOf(Encoding.UTF8.GetBytes(key));
            if (at >= 0)
            {
                offsets.Add(at + key.Length);   // just before the value type and value
            }
        }

        return [.. offsets];
    }

    private sealed record Source(string Name, byte[] Bytes, int HeaderEnd, int DirectoryStart, int[] KeyOffsets)
    {
        /// <summary>The file at offset <see cref="Room"/>, with Room spare bytes on each side.</summary>
        public byte[] Scratch { get; } = CreateScratch(Bytes);

        private static byte[] CreateScratch(byte[] bytes)
        {
            var scratch = new byte[bytes.Length + (2 * Room)];
            bytes.CopyTo(scratch, Room);
            return scratch;
        }
    }
}
