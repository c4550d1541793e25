namespace Hearth.Numerics;

/// <summary>
/// The instruction-set tier a kernel runs on. Chosen once at start-up (<see cref="WeightKernels.Path"/>);
/// tests call every tier the machine can execute and compare it with <see cref="Scalar"/>.
/// </summary>
internal enum KernelPath
{
    /// <summary>Portable scalar reference; also what runs with DOTNET_EnableHWIntrinsic=0.</summary>
    Scalar,

    /// <summary>Portable 128-bit vectors (SSE4 / NEON): used where AVX2 is missing. Every kernel has a
    /// dedicated 128-bit dot (<see cref="WeightKernel.HasVector128Dot"/>, asserted by the tests); matrix
    /// products on this tier take the per-row default of <see cref="WeightKernel.MatMulCore"/>.</summary>
    Vector128,

    /// <summary>x86 AVX2 + FMA (+ the F16C-style conversions done with integer ops).</summary>
    Avx2,
}
