using Hearth.Gguf;

namespace Hearth.Numerics.Quantization;

/// <summary>Reported once per tensor as a model is written: which tensor (1-based <paramref name="Index"/> of <paramref name="Count"/>), from and to which type, and its output size.</summary>
public readonly record struct TensorProgress(int Index, int Count, string Name, long[] Dimensions, GgmlType From, GgmlType To, long OutputBytes);
