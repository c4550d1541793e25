namespace Hearth.Gguf;

/// <summary>Block geometry of each tensor type: how many elements a block holds and its size in bytes.</summary>
/// <remarks>Values follow ggml's type traits table (ggml.c, type_traits) and the block structs in ggml-common.h.</remarks>
public static class GgmlTypeInfo
{
    /// <summary>Elements per super-block of the k-quants and IQ types (QK_K in ggml-common.h).</summary>
    public const int QK_K = 256;

    private static readonly Dictionary<GgmlType, (int BlockSize, int BlockBytes)> Table = new()
    {
        [GgmlType.F32] = (1, 4),
        [GgmlType.F16] = (1, 2),
        [GgmlType.BF16] = (1, 2),
        [GgmlType.F64] = (1, 8),
        [GgmlType.I8] = (1, 1),
        [GgmlType.I16] = (1, 2),
        [GgmlType.I32] = (1, 4),
        [GgmlType.I64] = (1, 8),
        [GgmlType.Q4_0] = (32, 2 + 16),           // f16 d; 32 x 4-bit
        [GgmlType.Q4_1] = (32, 2 + 2 + 16),       // f16 d, m; 32 x 4-bit
        [GgmlType.Q5_0] = (32, 2 + 4 + 16),       // f16 d; 32 high bits; 32 x 4-bit
        [GgmlType.Q5_1] = (32, 2 + 2 + 4 + 16),   // f16 d, m; 32 high bits; 32 x 4-bit
        [GgmlType.Q8_0] = (32, 2 + 32),           // f16 d; 32 x int8
        [GgmlType.Q8_1] = (32, 4 + 32),           // f16 d, s; 32 x int8
        [GgmlType.Q2_K] = (QK_K, 16 + 64 + 2 + 2),                 // scales, qs, f16 d, dmin
        [GgmlType.Q3_K] = (QK_K, 32 + 64 + 12 + 2),                // hmask, qs, scales, f16 d
        [GgmlType.Q4_K] = (QK_K, 2 + 2 + 12 + 128),                // f16 d, dmin, scales, qs
        [GgmlType.Q5_K] = (QK_K, 2 + 2 + 12 + 32 + 128),           // f16 d, dmin, scales, qh, qs
        [GgmlType.Q6_K] = (QK_K, 128 + 64 + 16 + 2),               // ql, qh, scales, f16 d
        [GgmlType.Q8_K] = (QK_K, 4 + 256 + 32),                    // f32 d, qs, bsums (16 x int16)
        [GgmlType.IQ2_XXS] = (QK_K, 2 + 64),
        [GgmlType.IQ2_XS] = (QK_K, 2 + 64 + 8),
        [GgmlType.IQ3_XXS] = (QK_K, 2 + 96),
        [GgmlType.IQ1_S] = (QK_K, 2 + 32 + 16),
        [GgmlType.IQ4_NL] = (32, 2 + 16),
        [GgmlType.IQ3_S] = (QK_K, 2 + 64 + 8 + 32 + 4),
        [GgmlType.IQ2_S] = (QK_K, 2 + 64 + 16),
        [GgmlType.IQ4_XS] = (QK_K, 2 + 2 + 4 + 128),               // f16 d, scales_h, scales_l[4], qs
        [GgmlType.IQ1_M] = (QK_K, 32 + 16 + 8),
        [GgmlType.TQ1_0] = (QK_K, 48 + 4 + 2),
        [GgmlType.TQ2_0] = (QK_K, 64 + 2),
        [GgmlType.MXFP4] = (32, 1 + 16),
    };

    /// <summary>True when ggml defines this type (the reader accepts it even if the engine cannot compute it).</summary>
    public static bool IsKnown(GgmlType type) => Table.ContainsKey(type);

    /// <summary>Elements per block (1 for plain types).</summary>
    public static int BlockSize(GgmlType type) => Lookup(type).BlockSize;

    /// <summary>Bytes per block.</summary>
    public static int BlockBytes(GgmlType type) => Lookup(type).BlockBytes;

    /// <summary>Bytes of a row of <paramref name="elements"/> elements; the count must be a multiple of the block size.</summary>
    public static long RowBytes(GgmlType type, long elements)
    {
        var (blockSize, blockBytes) = Lookup(type);
        if (elements % blockSize != 0)
        {
            throw new ArgumentException($"{elements} elements is not a multiple of the {type} block size {blockSize}.", nameof(elements));
        }

        return elements / blockSize * blockBytes;
    }

    /// <summary>The reference's lower-case name (f32, q4_k, iq4_nl...).</summary>
    public static string Name(GgmlType type) => type.ToString().ToLowerInvariant();

    /// <summary>All types ggml defines, in numeric order.</summary>
    public static IEnumerable<GgmlType> All => Table.Keys.Order();

    private static (int BlockSize, int BlockBytes) Lookup(GgmlType type) =>
        Table.TryGetValue(type, out var v) ? v : throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown ggml tensor type.");
}
