using Hearth.Engine.Sampling;

namespace Hearth.Server.Inference;

/// <summary>
/// JSON mode and structured output (OpenAI <c>response_format</c> <c>json_object</c> / <c>json_schema</c>, Ollama
/// <c>format</c>): every sampled token keeps the output a prefix of what the constraint allows (one JSON object,
/// <see cref="JsonObjectConstraint"/>, or a value valid against a schema, <see cref="JsonSchemaConstraint"/>), and the
/// end of generation is allowed only once that value is complete. The inner sampler picks first; only when its choice does not fit are the tokens that do not
/// fit excluded and the pick repeated. Sampling again after a rejection draws from the fitting tokens in proportion to
/// their probabilities, as masking first would, but the common case (the model's own choice fits) skips scanning the
/// vocabulary (llama.cpp's grammar sampler does the same).
/// </summary>
internal sealed class JsonConstrainedSampler(ITokenSampler inner, IJsonConstraint state, IReadOnlyList<byte[]?> pieces, Func<int, bool> isEndOfGeneration) : ITokenSampler
{
    // Far below any real logit but finite: the engine's sampler refuses non-finite logits.
    private const float Excluded = -1e30f;

    private float[]? masked;

    /// <summary>The text so far closes the JSON object.</summary>
    public bool IsComplete => state.IsComplete;

    public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<int> history)
    {
        var token = inner.Sample(logits, history);
        if (!Allowed(token))
        {
            token = SampleAllowed(logits, history);
        }

        if (!isEndOfGeneration(token))
        {
            state.TryAppend(pieces[token]);
        }

        return token;
    }

    private int SampleAllowed(ReadOnlySpan<float> logits, ReadOnlySpan<int> history)
    {
        masked ??= new float[logits.Length];
        logits.CopyTo(masked);
        int best = -1, end = -1;
        for (var id = 0; id < masked.Length; id++)
        {
            if (end < 0 && isEndOfGeneration(id))
            {
                end = id;
            }

            if (!Allowed(id))
            {
                masked[id] = Excluded;
            }
            else if (best < 0 || masked[id] > masked[best])
            {
                best = id;
            }
        }

        if (best < 0)
        {
            // Nothing in this vocabulary continues the JSON (it lacks the bytes): end rather than emit invalid text.
            return end >= 0 ? end : 0;
        }

        // Rounding at the very end of a cumulative distribution can land on an excluded token of probability zero.
        var token = inner.Sample(masked, history);
        return Allowed(token) ? token : best;
    }

    private bool Allowed(int id)
    {
        if (isEndOfGeneration(id))
        {
            return state.IsComplete;
        }

        // Control tokens (no piece) and empty pieces add nothing a JSON text could use.
        return (!state.IsComplete || state.ContinuesAfterComplete) && (uint)id < (uint)pieces.Count && pieces[id] is { Length: > 0 } piece && state.Accepts(piece);
    }
}
