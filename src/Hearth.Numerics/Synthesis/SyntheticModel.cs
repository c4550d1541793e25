using Hearth.Gguf;
using Hearth.Numerics.Quantization;

namespace Hearth.Numerics.Synthesis;

/// <summary>
/// Writes a GGUF of a <see cref="ModelShape"/> (llama, qwen3moe or gemma3) with random weights (norms 1.0), with the
/// vocabulary of another GGUF, quantized to a <see cref="QuantizationTarget"/> with the reference's recipe.
/// Used for speed benchmarks, where weight values do not matter. Weights are generated and quantized row chunk
/// by row chunk while the file is written, so memory stays at a few chunks; output bytes depend only on
/// (shape, target, vocabulary, seed), not on the thread count.
/// </summary>
public static class SyntheticModel
{
    /// <exception cref="ArgumentException">The vocabulary metadata has no tokenizer.ggml.tokens.</exception>
    public static void Write(string outputPath, ModelShape shape, QuantizationTarget target, GgufMetadata vocabulary, ulong seed,
        IProgress<TensorProgress>? progress = null, int threads = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(vocabulary);

        int vocabSize = vocabulary.TryGetArray("tokenizer.ggml.tokens")?.Count
            ?? throw new ArgumentException($"{vocabulary.Path ?? "The vocabulary file"} has no tokenizer.ggml.tokens array.", nameof(vocabulary));

        var writer = new GgufWriter();
        string arch = shape.Architecture;
        writer.SetMetadata("general.architecture", arch);
        writer.SetMetadata("general.name", $"hearth-synth-{shape.Name}");
        writer.SetMetadata($"{arch}.context_length", (uint)shape.ContextLength);
        writer.SetMetadata($"{arch}.embedding_length", (uint)shape.EmbeddingLength);
        writer.SetMetadata($"{arch}.block_count", (uint)shape.LayerCount);
        writer.SetMetadata($"{arch}.feed_forward_length", (uint)shape.FeedForwardLength);
        writer.SetMetadata($"{arch}.rope.dimension_count", (uint)shape.HeadDimension);
        writer.SetMetadata($"{arch}.attention.head_count", (uint)shape.HeadCount);
        writer.SetMetadata($"{arch}.attention.head_count_kv", (uint)shape.KvHeadCount);
        if (shape.KeyLength is int headDim)
        {
            writer.SetMetadata($"{arch}.attention.key_length", (uint)headDim);
            writer.SetMetadata($"{arch}.attention.value_length", (uint)headDim);
        }

        writer.SetMetadata($"{arch}.attention.layer_norm_rms_epsilon", shape.RmsNormEpsilon);
        writer.SetMetadata($"{arch}.rope.freq_base", shape.RopeFreqBase);
        writer.SetMetadata($"{arch}.vocab_size", (uint)vocabSize);
        if (shape.ExpertCount > 0)
        {
            writer.SetMetadata($"{arch}.expert_count", (uint)shape.ExpertCount);
            writer.SetMetadata($"{arch}.expert_used_count", (uint)shape.ExpertUsedCount);
            writer.SetMetadata($"{arch}.expert_feed_forward_length", (uint)shape.ExpertFeedForwardLength);
        }

        if (shape.SlidingWindow > 0)
        {
            writer.SetMetadata($"{arch}.attention.sliding_window", (uint)shape.SlidingWindow);
            writer.SetMetadata($"{arch}.rope.freq_base_swa", shape.SlidingWindowRopeFreqBase);
        }

        foreach (var (key, value) in vocabulary)
        {
            if (key.StartsWith("tokenizer.", StringComparison.Ordinal))
            {
                writer.SetMetadata(key, value);
            }
        }

        writer.SetMetadata("general.quantization_version", ModelQuantizer.QuantizationVersion);
        writer.SetMetadata("general.file_type", (uint)target.FileType);

        var tensors = shape.Tensors(vocabSize);
        var descriptors = tensors.Select(t => new TensorDescriptor(t.Name, t.Dimensions, GgmlType.F32)).ToList();
        var types = TensorTypeSelector.Select(descriptors, new ModelHyperParameters(arch, shape.LayerCount, shape.HeadCount, shape.KvHeadCount, shape.ExpertCount), target);

        for (int i = 0; i < tensors.Count; i++)
        {
            var (name, dims) = tensors[i];
            var type = types[name];
            int index = i + 1;
            long rowLength = dims[0];
            long rows = dims.Skip(1).Aggregate(1L, (a, d) => a * d);
            bool isNorm = dims.Length == 1;
            ulong key = SyntheticWeights.TensorKey(seed, name);
            writer.AddTensor(name, type, dims, stream =>
            {
                TensorStreamQuantizer.Write(stream, type, rowLength, rows, (first, count, dst) =>
                {
                    if (isNorm)
                    {
                        dst.Fill(1.0f);
                    }
                    else
                    {
                        SyntheticWeights.Fill(key, first, (int)rowLength, dst);
                    }
                }, threads);
                progress?.Report(new TensorProgress(index, tensors.Count, name, dims, GgmlType.F32, type, GgmlTypeInfo.RowBytes(type, rowLength) * rows));
            });
        }

        string temp = outputPath + ".tmp";
        try
        {
            writer.WriteTo(temp);
            File.Move(temp, outputPath, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
