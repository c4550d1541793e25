namespace Hearth.Gguf;

/// <summary>
/// Tensor element types as numbered by ggml (ggml.h, enum ggml_type). The numbers are the on-disk
/// values in a GGUF tensor directory; gaps are types the reference has removed (Q4_2, Q4_3, Q4_0_4_4...).
/// </summary>
#pragma warning disable CA1707 // Names mirror the reference's type names (Q4_K, IQ4_NL) so users recognise them.
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    TQ1_0 = 34,
    TQ2_0 = 35,
    MXFP4 = 39,
}
#pragma warning restore CA1707
