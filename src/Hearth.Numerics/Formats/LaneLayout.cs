using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Hearth.Numerics.Formats;

/// <summary>How a k-quant tile fills the two 128-bit lanes of a register: one weight row in both (against eight
/// activations) or two rows, one per lane (against four activations repeated), as a type so each form compiles
/// to straight-line code.</summary>
internal interface ILaneLayout
{
    static abstract bool TwoRows { get; }

    /// <summary>16 bytes at <paramref name="offset"/> of the row(s).</summary>
    static abstract unsafe Vector256<byte> Load(byte* first, byte* second, int offset);

    /// <summary>Dword <paramref name="k"/> of each row's array, repeated across its lanes.</summary>
    static abstract unsafe Vector256<int> Dword(int* first, int* second, int k);
}

internal readonly struct OneRowLanes : ILaneLayout
{
    public static bool TwoRows => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<byte> Load(byte* first, byte* second, int offset) => Avx2.BroadcastVector128ToVector256(first + offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<int> Dword(int* first, int* second, int k) => Avx2.BroadcastScalarToVector256(first + k);
}

internal readonly struct TwoRowLanes : ILaneLayout
{
    public static bool TwoRows => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<byte> Load(byte* first, byte* second, int offset) =>
        Vector256.Create(Sse2.LoadVector128(first + offset), Sse2.LoadVector128(second + offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<int> Dword(int* first, int* second, int k) =>
        Vector256.Create(Avx2.BroadcastScalarToVector128(first + k), Avx2.BroadcastScalarToVector128(second + k));
}
