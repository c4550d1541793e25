using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Hearth.Gguf;
using Hearth.Numerics.Formats;

namespace Hearth.Numerics;

/// <summary>The kernel of each supported weight type, and the instruction-set tier chosen at start-up.</summary>
public static class WeightKernels
{
    private static readonly Dictionary<GgmlType, WeightKernel> Kernels = new WeightKernel[]
    {
        new F32Kernel(), new F16Kernel(), new BF16Kernel(),
        new Q8_0Kernel(), new Q4_0Kernel(), new Q4_1Kernel(), new Q5_0Kernel(), new Q5_1Kernel(),
        new Q2_KKernel(), new Q3_KKernel(), new Q4_KKernel(), new Q5_KKernel(), new Q6_KKernel(),
        new IQ4_NLKernel(), new IQ4_XSKernel(),
    }.ToDictionary(k => k.Type);

    /// <summary>The tier every kernel runs on in this process (decided once: the JIT folds the checks).</summary>
    internal static KernelPath Path { get; } =
        Avx2.IsSupported && Fma.IsSupported ? KernelPath.Avx2
        : Vector128.IsHardwareAccelerated ? KernelPath.Vector128
        : KernelPath.Scalar;

    /// <summary>The tiers this machine can execute, lowest first (tests run each).</summary>
    internal static IReadOnlyList<KernelPath> AvailablePaths { get; } =
        [KernelPath.Scalar, .. Vector128.IsHardwareAccelerated ? [KernelPath.Vector128] : Array.Empty<KernelPath>(),
         .. Avx2.IsSupported && Fma.IsSupported ? [KernelPath.Avx2] : Array.Empty<KernelPath>()];

    /// <summary>"AVX-512 + AVX2", "AVX2", "Vector128" or "scalar": the instruction set the kernels use (with
    /// AVX-512 F + BW, the prompt tiles of the 32-element formats are 512-bit and everything else AVX2).</summary>
    public static string InstructionSet => Path switch
    {
        KernelPath.Avx2 when Simd.Avx512Ops.IsSupported => "AVX-512 + AVX2",
        KernelPath.Avx2 => "AVX2",
        KernelPath.Vector128 => "Vector128",
        _ => "scalar",
    };

    /// <summary>Weight types with a kernel, in ggml numbering order.</summary>
    public static IReadOnlyList<GgmlType> Supported { get; } = Kernels.Keys.Order().ToArray();

    /// <summary>True when <paramref name="type"/> has a kernel.</summary>
    public static bool IsSupported(GgmlType type) => Kernels.ContainsKey(type);

    /// <summary>The kernel for <paramref name="type"/>; <see cref="NotSupportedException"/> names the
    /// type and the supported ones otherwise.</summary>
    public static WeightKernel For(GgmlType type) =>
        Kernels.TryGetValue(type, out var k)
            ? k
            : throw new NotSupportedException(
                $"No compute kernel for tensor type {GgmlTypeInfo.Name(type)}; supported: {string.Join(", ", Supported.Select(GgmlTypeInfo.Name))}.");
}
