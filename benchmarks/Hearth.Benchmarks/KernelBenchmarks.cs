using BenchmarkDotNet.Attributes;
using Hearth.Gguf;
using Hearth.Numerics;

namespace Hearth.Benchmarks;

/// <summary>
/// Weight kernels at the llama-1b ffn shape (8192 rows of 2048). <see cref="Dot"/> is the generation
/// path (one activation row): throughput in GB/s of weights = WeightBytesPerMatrix / mean time. The
/// weights rotate over enough matrices (&gt; 96 MiB) that they stream from DRAM, not L3.
/// <see cref="MatMul128"/> is the prompt path: 128 activation rows x 2048 weight rows;
/// GFLOP/s-equivalent = 2 * 2048 * 2048 * 128 / mean time.
/// Run: dotnet run -c Release --project benchmarks/Hearth.Benchmarks -- --filter '*KernelBenchmarks*' --job short
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class KernelBenchmarks
{
    private const int N = 2048;
    private const int Rows = 8192;
    private const int TileRows = 2048;
    private const int Acts = 128;

    private WeightKernel _kernel = null!;
    private byte[][] _weights = [];
    private byte[] _activations = [];
    private float[] _output = [];
    private long _rowBytes;
    private int _activationBytes;
    private int _next;

    [Params(GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q5_K, GgmlType.F16)]
    public GgmlType Type { get; set; }

    /// <summary>Bytes of one 8192 x 2048 weight matrix of <see cref="Type"/>.</summary>
    public long WeightBytesPerMatrix => _rowBytes * Rows;

    [GlobalSetup]
    public void Setup()
    {
        _kernel = WeightKernels.For(Type);
        _rowBytes = _kernel.RowBytes(N);
        var rng = new Random(42);
        var matrices = (int)Math.Max(2, 96L * 1024 * 1024 / (_rowBytes * Rows));
        _weights = new byte[matrices][];
        for (var m = 0; m < matrices; m++)
        {
            // Real values come from Quantizer; speed does not depend on them, only on valid scales.
            var f = new float[N];
            var row = new byte[_rowBytes];
            _weights[m] = new byte[_rowBytes * Rows];
            for (var r = 0; r < Rows; r++)
            {
                if (r < 16)
                {
                    for (var i = 0; i < N; i++)
                    {
                        f[i] = (float)(rng.NextDouble() - 0.5);
                    }

                    Quantize(f, row);
                }

                row.CopyTo(_weights[m], r * _rowBytes);
            }
        }

        _activationBytes = _kernel.ActivationRowBytes(N);
        _activations = new byte[_activationBytes * Acts];
        var x = new float[N];
        for (var a = 0; a < Acts; a++)
        {
            for (var i = 0; i < N; i++)
            {
                x[i] = (float)(rng.NextDouble() - 0.5);
            }

            ActivationQuantizer.Quantize(_kernel.Activation, x, _activations.AsSpan(a * _activationBytes, _activationBytes));
        }

        _output = new float[Rows * Acts];
    }

    [Benchmark(Description = "dot n=1, 8192x2048")]
    public void Dot()
    {
        var w = _weights[_next++ % _weights.Length];
        _kernel.MatMul(w, _rowBytes, 0, Rows, _activations, _activationBytes, 1, N, _output, Rows);
    }

    [Benchmark(Description = "matmul 128 acts x 2048x2048")]
    public void MatMul128() =>
        _kernel.MatMul(_weights[0], _rowBytes, 0, TileRows, _activations, _activationBytes, Acts, N, _output, TileRows);

    private void Quantize(float[] f, byte[] row)
    {
        if (Type == GgmlType.F32)
        {
            Buffer.BlockCopy(f, 0, row, 0, row.Length);
        }
        else
        {
            Quantizer.QuantizeRow(Type, f, row);
        }
    }
}
