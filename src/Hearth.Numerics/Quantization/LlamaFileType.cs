namespace Hearth.Numerics.Quantization;

/// <summary>
/// The reference's file-type numbers (llama.h, enum llama_ftype), stored in a GGUF's general.file_type.
/// Only the values Hearth writes are listed.
/// </summary>
#pragma warning disable CA1707 // Names mirror the reference's LLAMA_FTYPE_MOSTLY_* so users recognise them.
public enum LlamaFileType : uint
{
    AllF32 = 0,
    MostlyF16 = 1,
    MostlyQ4_0 = 2,
    MostlyQ4_1 = 3,
    MostlyQ8_0 = 7,
    MostlyQ5_0 = 8,
    MostlyQ5_1 = 9,
    MostlyQ2_K = 10,
    MostlyQ3_K_S = 11,
    MostlyQ3_K_M = 12,
    MostlyQ3_K_L = 13,
    MostlyQ4_K_S = 14,
    MostlyQ4_K_M = 15,
    MostlyQ5_K_S = 16,
    MostlyQ5_K_M = 17,
    MostlyQ6_K = 18,
    MostlyBF16 = 32,
}
#pragma warning restore CA1707
