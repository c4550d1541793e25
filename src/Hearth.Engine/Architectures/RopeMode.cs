namespace Hearth.Engine.Architectures;

/// <summary>
/// Which dimensions RoPE rotates together. llama.cpp's llama_model_rope_type: "normal" (adjacent
/// pairs x[2i], x[2i+1]) for llama, whose Q/K rows the converter permutes to match; NeoX (x[i] and
/// x[i + n/2]) for qwen2, phi3, gemma and most models converted without that permutation.
/// </summary>
internal enum RopeMode
{
    Normal,
    NeoX,
}
