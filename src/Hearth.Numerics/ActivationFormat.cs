namespace Hearth.Numerics;

/// <summary>
/// How an activation row is stored before it meets a weight row. The reference (ggml) converts the
/// activations to its "vec_dot_type" of the weight type first (ggml-cpu.c type_traits_cpu), and the
/// engine does the same so that its results match the reference within float rounding.
/// </summary>
#pragma warning disable CA1707 // Names mirror ggml's type names.
public enum ActivationFormat
{
    /// <summary>Plain f32 (for F32 weights).</summary>
    F32,

    /// <summary>IEEE half, rounded to nearest even (for F16 weights).</summary>
    F16,

    /// <summary>bfloat16, rounded to nearest even (for BF16 weights).</summary>
    BF16,

    /// <summary>Blocks of 32: f16 scale d, 32 x int8 (Q4_0, Q5_0, Q8_0, IQ4_NL weights).</summary>
    Q8_0,

    /// <summary>Blocks of 32: f16 d, f16 s = d * sum(q), 32 x int8 (Q4_1, Q5_1 weights).</summary>
    Q8_1,

    /// <summary>Blocks of 256: f32 d, 256 x int8, 16 x int16 sums of 16 (k-quants, IQ4_XS).</summary>
    Q8_K,
}
#pragma warning restore CA1707
