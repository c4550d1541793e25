using System.Numerics.Tensors;
using Hearth.Engine.Weights;

namespace Hearth.Engine.Execution;

/// <summary>
/// A mixture-of-experts feed-forward over the batch (llm_graph_context::build_moe_ffn with softmax gating): the
/// router's logits get a softmax over all experts, each token takes its top k, their weights renormalized to sum to 1
/// where the family says so. Tokens are then grouped by expert, so one dispatch multiplies every chosen expert with
/// the rows of its tokens only and each expert's weights stream once per batch, not once per token. The result is
/// the weighted sum of each token's experts, in the order they were chosen, as the reference adds them.
/// </summary>
/// <remarks>
/// Two experts whose probabilities differ by less than the rounding of the hidden state (~1e-4) are a coin toss
/// between any two implementations; the tests see the choices through <see cref="ExpertRouting"/>.
/// </remarks>
internal sealed unsafe class ExpertFeedForward(ForwardPass f, WorkerPool pool) : ParallelJob
{
    // The reference clamps the sum of the chosen weights to the smallest normal F16 before dividing by it.
    private const float MinWeightSum = 6.103515625e-5f;

    private readonly MatMulJob _matMul = new(pool);
    private readonly NativeBuffer<float> _logits = new(), _weights = new(), _input = new(), _gate = new(), _up = new(), _output = new();
    private int[] _chosen = [];     // [tokens, k] expert ids, best first
    private int[] _rowOf = [];      // [tokens, k] row of (token, j) in the grouped buffers
    private int[] _start = [];      // [experts + 1] first grouped row of each expert
    private ExpertWeights _w = null!;
    private bool _combine;

    public void Run(ExpertWeights w)
    {
        _w = w;
        int tokens = f.Count, d = f.HyperParameters.EmbeddingLength, n = w.Count, k = w.Used, ff = w.FeedForwardLength;
        var total = tokens * k;
        var logits = _logits.Ensure((long)tokens * n);
        _matMul.Begin(f.Xb, tokens, d).Add(w.Router, logits).Run();   // [tokens, n_expert]
        Route(logits, tokens);

        var gate = _gate.Ensure((long)total * ff);
        var up = _up.Ensure((long)total * ff);
        MatMulJob job;
        if (tokens == 1)
        {
            // A decode step: every chosen expert reads the one input row, quantized once for all of them.
            job = _matMul.Begin(f.Xb, 1, d);
            for (var e = 0; e < n; e++)
            {
                if (_start[e + 1] > _start[e])
                {
                    var row = _start[e];
                    job.Add(w.Gate[e], gate + ((long)row * ff), ff, 0, 1).Add(w.Up[e], up + ((long)row * ff), ff, 0, 1);
                }
            }
        }
        else
        {
            // Gather each expert's tokens into one run of rows, then multiply all experts in one dispatch each.
            var input = _input.Ensure((long)total * d);
            for (var t = 0; t < tokens; t++)
            {
                for (var j = 0; j < k; j++)
                {
                    ForwardPass.Row(f.Xb, t, d).CopyTo(ForwardPass.Row(input, _rowOf[(t * k) + j], d));
                }
            }

            job = _matMul.Begin(input, total, d);
            for (var e = 0; e < n; e++)
            {
                if (_start[e + 1] > _start[e])
                {
                    int first = _start[e], rows = _start[e + 1] - first;
                    job.Add(w.Gate[e], gate + ((long)first * ff), ff, first, rows).Add(w.Up[e], up + ((long)first * ff), ff, first, rows);
                }
            }
        }

        job.Run();
        _combine = false;
        Run(total, (long)total * ff);   // gate = silu(gate) * up, row by row

        var output = _output.Ensure((long)total * d);
        job = _matMul.Begin(gate, total, ff);
        for (var e = 0; e < n; e++)
        {
            if (_start[e + 1] > _start[e])
            {
                int first = _start[e], rows = _start[e + 1] - first;
                job.Add(w.Down[e], output + ((long)first * d), d, first, rows);
            }
        }

        job.Run();
        _combine = true;
        Run(tokens, (long)total * d);  // Proj[t] = Σ_j weight[t, j] * output[row(t, j)]
    }

    /// <summary>Element-wise steps of a decode step are a few thousand values: done here rather than waking the workers.</summary>
    private void Run(int items, long elements)
    {
        if (elements <= 16384)
        {
            for (var i = 0; i < items; i++)
            {
                Execute(i, 0);
            }
        }
        else
        {
            pool.Run(this, items);
        }
    }

    public override void Execute(int item, int thread)
    {
        var hp = f.HyperParameters;
        var ff = _w.FeedForwardLength;
        if (!_combine)
        {
            var gate = ForwardPass.Row(_gate.Pointer, item, ff);
            var up = ForwardPass.Row(_up.Pointer, item, ff);
            for (var i = 0; i < gate.Length; i++)
            {
                var g = gate[i];
                gate[i] = g / (1f + MathF.Exp(-g)) * up[i];   // ggml_swiglu: silu(gate) * up
            }

            return;
        }

        var d = hp.EmbeddingLength;
        var k = _w.Used;
        var proj = ForwardPass.Row(f.Proj, item, d);
        for (var j = 0; j < k; j++)
        {
            var weight = _weights.Pointer[(item * k) + j];
            var expert = ForwardPass.Row(_output.Pointer, _rowOf[(item * k) + j], d);
            if (j == 0)
            {
                TensorPrimitives.Multiply(expert, weight, proj);
            }
            else
            {
                TensorPrimitives.MultiplyAdd(expert, weight, proj, proj);
            }
        }
    }

    /// <summary>Softmax over the router logits, top k per token, weights (renormalized), and the grouping by expert.</summary>
    private void Route(float* logits, int tokens)
    {
        int n = _w.Count, k = _w.Used;
        if (_chosen.Length < tokens * k)
        {
            _chosen = new int[tokens * k];
            _rowOf = new int[tokens * k];
        }

        if (_start.Length < n + 1)
        {
            _start = new int[n + 1];
        }

        var weights = _weights.Ensure((long)tokens * k);
        Span<int> counts = stackalloc int[n + 1];
        counts.Clear();
        for (var t = 0; t < tokens; t++)
        {
            var probs = ForwardPass.Row(logits, t, n);
            var max = TensorPrimitives.Max(probs);
            TensorPrimitives.Subtract(probs, max, probs);
            TensorPrimitives.Exp(probs, probs);
            TensorPrimitives.Multiply(probs, 1f / TensorPrimitives.Sum(probs), probs);

            var chosen = _chosen.AsSpan(t * k, k);
            TopK(probs, chosen);
            f.RoutingHook?.Invoke(f.Batch[t].Position, probs, chosen);
            var sum = 0f;
            for (var j = 0; j < k; j++)
            {
                weights[(t * k) + j] = probs[chosen[j]];
                sum += probs[chosen[j]];
                counts[chosen[j] + 1]++;
            }

            if (_w.NormalizeWeights)
            {
                var scale = Math.Max(sum, MinWeightSum);
                for (var j = 0; j < k; j++)
                {
                    weights[(t * k) + j] /= scale;
                }
            }

            if (_w.WeightScale != 1f)
            {
                for (var j = 0; j < k; j++)
                {
                    weights[(t * k) + j] *= _w.WeightScale;
                }
            }
        }

        // Rows grouped by expert, tokens in batch order within each expert.
        for (var e = 0; e < n; e++)
        {
            counts[e + 1] += counts[e];
        }

        counts.CopyTo(_start);
        for (var t = 0; t < tokens; t++)
        {
            for (var j = 0; j < k; j++)
            {
                _rowOf[(t * k) + j] = counts[_chosen[(t * k) + j]]++;
            }
        }
    }

    /// <summary>The indices of the k largest values, largest first (ties: the lower index, as a stable sort). One pass
    /// per pick with a taken mask: a decode step does this for every layer, and the span search it replaced cost ~1%.</summary>
    private static void TopK(ReadOnlySpan<float> values, Span<int> chosen)
    {
        Span<bool> taken = values.Length <= 1024 ? stackalloc bool[values.Length] : new bool[values.Length];
        taken.Clear();
        for (var j = 0; j < chosen.Length; j++)
        {
            var best = -1;
            for (var i = 0; i < values.Length; i++)
            {
                if (!taken[i] && (best < 0 || values[i] > values[best]))
                {
                    best = i;
                }
            }

            chosen[j] = best;
            taken[best] = true;
        }
    }
}

/// <summary>Sees (and in tests may change) each token's chosen experts: its position, the router's softmax, the choice best first.</summary>
internal delegate void ExpertRouting(int position, ReadOnlySpan<float> probabilities, Span<int> chosen);
