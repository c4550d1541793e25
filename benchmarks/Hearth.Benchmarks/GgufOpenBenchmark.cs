using BenchmarkDotNet.Attributes;
using Hearth.Gguf;

namespace Hearth.Benchmarks;

/// <summary>
/// Opening a ~1.1 GB GGUF shaped like TinyLlama 1.1B (22 layers, dim 2048, ff 5632, 32000-token vocabulary, Q8_0
/// matrices, 201 tensors): map it, parse header, metadata and tensor directory. Goal: under 50 ms warm.
/// The file is generated once with GgufWriter's streamed tensors into a temp dir and deleted afterwards.
/// </summary>
[MemoryDiagnoser]
[MinColumn, MedianColumn, MaxColumn]
public class GgufOpenBenchmark
{
    private const int Dim = 2048, Ff = 5632, Layers = 22, Vocab = 32000, KvDim = 256;

    private string _dir = "";
    private string _path = "";

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "hearth-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _path = Path.Combine(_dir, "tinyllama-shaped-q8_0.gguf");

        var w = new GgufWriter();
        w.SetMetadata("general.architecture", "llama");
        w.SetMetadata("general.name", "benchmark");
        w.SetMetadata("llama.context_length", 2048u);
        w.SetMetadata("llama.embedding_length", (uint)Dim);
        w.SetMetadata("llama.block_count", (uint)Layers);
        w.SetMetadata("llama.feed_forward_length", (uint)Ff);
        w.SetMetadata("llama.attention.head_count", 32u);
        w.SetMetadata("llama.attention.head_count_kv", 4u);
        w.SetMetadata("tokenizer.ggml.model", "llama");
        w.SetMetadata("tokenizer.ggml.tokens", Enumerable.Range(0, Vocab).Select(i => "▁tok" + i).ToArray());
        w.SetMetadata("tokenizer.ggml.scores", Enumerable.Range(0, Vocab).Select(i => -(float)i).ToArray());
        w.SetMetadata("tokenizer.ggml.token_type", Enumerable.Repeat(1, Vocab).ToArray());

        Add(w, "token_embd.weight", GgmlType.Q8_0, Dim, Vocab);
        for (var l = 0; l < Layers; l++)
        {
            Add(w, $"blk.{l}.attn_norm.weight", GgmlType.F32, Dim);
            Add(w, $"blk.{l}.attn_q.weight", GgmlType.Q8_0, Dim, Dim);
            Add(w, $"blk.{l}.attn_k.weight", GgmlType.Q8_0, Dim, KvDim);
            Add(w, $"blk.{l}.attn_v.weight", GgmlType.Q8_0, Dim, KvDim);
            Add(w, $"blk.{l}.attn_output.weight", GgmlType.Q8_0, Dim, Dim);
            Add(w, $"blk.{l}.ffn_norm.weight", GgmlType.F32, Dim);
            Add(w, $"blk.{l}.ffn_gate.weight", GgmlType.Q8_0, Dim, Ff);
            Add(w, $"blk.{l}.ffn_up.weight", GgmlType.Q8_0, Dim, Ff);
            Add(w, $"blk.{l}.ffn_down.weight", GgmlType.Q8_0, Ff, Dim);
        }

        Add(w, "output_norm.weight", GgmlType.F32, Dim);
        Add(w, "output.weight", GgmlType.Q8_0, Dim, Vocab);
        w.WriteTo(_path);

        // Warm the page cache and the code paths once.
        using var warm = GgufFile.Open(_path);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [Benchmark]
    public int OpenAndReadDirectory()
    {
        using var file = GgufFile.Open(_path);
        var tokens = file.Metadata.GetStringArray("tokenizer.ggml.tokens").Length;
        long elements = 0;
        foreach (var t in file.Tensors)
        {
            elements += t.ElementCount;
        }

        return tokens + file.Tensors.Count + (int)(elements & 1);
    }

    private static void Add(GgufWriter w, string name, GgmlType type, params long[] dims)
    {
        var bytes = GgmlTypeInfo.RowBytes(type, dims.Aggregate(1L, (a, b) => a * b));
        w.AddTensor(name, type, dims, s =>
        {
            // Streamed in 1 MiB chunks of a non-zero pattern so the file really occupies its size.
            var chunk = new byte[Math.Min(bytes, 1 << 20)];
            Array.Fill(chunk, (byte)0x11);
            for (var left = bytes; left > 0; left -= chunk.Length)
            {
                s.Write(chunk, 0, (int)Math.Min(left, chunk.Length));
            }
        });
    }
}
