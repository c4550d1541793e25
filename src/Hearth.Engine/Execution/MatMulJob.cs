using Hearth.Engine.Weights;
using Hearth.Numerics;

namespace Hearth.Engine.Execution;

/// <summary>
/// Output[t, r] = W[r] · x[t] for up to three matrices sharing one input (Q/K/V, gate/up), in one
/// dispatch. The input rows are quantized once per activation format the matrices' kernels ask for
/// (as the reference does: Q8_0/Q8_K blocks, F16/BF16 rows), then each thread multiplies whole row
/// chunks of a matrix with all tokens (matrix x matrix for prompts). A part may also take a run of the input rows
/// only: a mixture of experts multiplies each expert with the rows of the tokens routed to it, all experts in one
/// dispatch over one quantized input.
/// </summary>
internal sealed unsafe class MatMulJob : ParallelJob
{
    private const int FormatCount = 8;
    private const long InlineQuantizeElements = 16384;

    private readonly WorkerPool _pool;
    private readonly NativeBuffer<byte>[] _quantized = new NativeBuffer<byte>[FormatCount];
    private readonly bool[] _ready = new bool[FormatCount];
    private Part[] _parts = new Part[4];
    private readonly QuantizeJob _quantizeJob = new();
    private int _partCount;
    private int _itemCount;
    private float* _input;
    private int _tokens;
    private int _columns;

    public MatMulJob(WorkerPool pool)
    {
        _pool = pool;
        for (var i = 0; i < FormatCount; i++)
        {
            _quantized[i] = new NativeBuffer<byte>();
        }
    }

    /// <summary>Starts a multiplication of <paramref name="tokens"/> input rows of <paramref name="columns"/> floats.</summary>
    public MatMulJob Begin(float* input, int tokens, int columns)
    {
        _input = input;
        _tokens = tokens;
        _columns = columns;
        _partCount = 0;
        _itemCount = 0;
        Array.Clear(_ready);
        return this;
    }

    /// <summary>Adds a matrix whose products go to <paramref name="output"/> (row stride = the matrix's row count).</summary>
    public MatMulJob Add(WeightMatrix weights, float* output) => Add(weights, output, weights.Rows);

    public MatMulJob Add(WeightMatrix weights, float* output, int outputStride) => Add(weights, output, outputStride, 0, _tokens);

    /// <summary>Adds a matrix applied to input rows [firstToken, firstToken + tokens) only; output row i is their i-th.</summary>
    public MatMulJob Add(WeightMatrix weights, float* output, int outputStride, int firstToken, int tokens)
    {
        if (weights.Columns != _columns)
        {
            throw new InvalidOperationException($"{weights.Name} has {weights.Columns} columns, input has {_columns}.");
        }

        var format = weights.Kernel.Activation;
        var activations = Activations(format, out var rowBytes) + ((long)firstToken * rowBytes);
        // About four chunks per thread: enough for the atomic hand-out to even out a busy core.
        var chunk = Math.Max(16, (weights.Rows + (_pool.Threads * 4) - 1) / (_pool.Threads * 4));
        chunk = (chunk + 15) & ~15;
        var chunks = (weights.Rows + chunk - 1) / chunk;
        if (_partCount == _parts.Length)
        {
            Array.Resize(ref _parts, 2 * _parts.Length);
        }

        _parts[_partCount++] = new Part(weights, output, outputStride, activations, rowBytes, tokens, chunk, _itemCount);
        _itemCount += chunks;
        return this;
    }

    public void Run() => _pool.Run(this, _itemCount);

    public override void Execute(int item, int thread)
    {
        // The last part starting at or before the item (binary search: a mixture of experts adds hundreds).
        int lo = 0, hi = _partCount - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (_parts[mid].FirstItem <= item)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        var p = lo;

        ref readonly var part = ref _parts[p];
        var r0 = (item - part.FirstItem) * part.ChunkRows;
        var r1 = Math.Min(part.Weights.Rows, r0 + part.ChunkRows);
        var tokens = part.Tokens;
        var outLength = ((tokens - 1) * part.OutputStride) + (r1 - r0);
        part.Weights.Kernel.MatMul(
            part.Weights.RowSpan(r0, r1), part.Weights.RowBytes, 0, r1 - r0,
            new ReadOnlySpan<byte>(part.Activations, tokens * part.ActivationRowBytes), part.ActivationRowBytes, tokens, _columns,
            new Span<float>(part.Output + r0, outLength), part.OutputStride);
    }

    private byte* Activations(ActivationFormat format, out int rowBytes)
    {
        if (format == ActivationFormat.F32)
        {
            rowBytes = _columns * sizeof(float);
            return (byte*)_input;   // F32 weights multiply the input as is
        }

        var index = (int)format;
        rowBytes = ActivationQuantizer.RowBytes(format, _columns);
        var buffer = _quantized[index];
        var data = buffer.Ensure((long)rowBytes * _tokens);
        if (!_ready[index])
        {
            _quantizeJob.Set(format, _input, _columns, data, rowBytes);
            if ((long)_tokens * _columns <= InlineQuantizeElements)
            {
                for (var t = 0; t < _tokens; t++)
                {
                    _quantizeJob.Execute(t, 0);   // a few rows (a decode step's experts): cheaper than waking the workers
                }
            }
            else
            {
                _pool.Run(_quantizeJob, _tokens);
            }
            _ready[index] = true;
        }

        return data;
    }

    private readonly struct Part(
        WeightMatrix weights, float* output, int outputStride, byte* activations, int activationRowBytes, int tokens, int chunkRows, int firstItem)
    {
        public readonly WeightMatrix Weights = weights;
        public readonly float* Output = output;
        public readonly int OutputStride = outputStride;
        public readonly byte* Activations = activations;
        public readonly int ActivationRowBytes = activationRowBytes;
        public readonly int Tokens = tokens;
        public readonly int ChunkRows = chunkRows;
        public readonly int FirstItem = firstItem;
    }

    /// <summary>Quantizes one input row per item.</summary>
    private sealed class QuantizeJob : ParallelJob
    {
        private ActivationFormat _format;
        private float* _input;
        private int _columns;
        private byte* _output;
        private int _rowBytes;

        public void Set(ActivationFormat format, float* input, int columns, byte* output, int rowBytes)
        {
            _format = format;
            _input = input;
            _columns = columns;
            _output = output;
            _rowBytes = rowBytes;
        }

        public override void Execute(int item, int thread) =>
            ActivationQuantizer.Quantize(
                _format,
                new ReadOnlySpan<float>(_input + ((long)item * _columns), _columns),
                new Span<byte>(_output + ((long)item * _rowBytes), _rowBytes));
    }
}
