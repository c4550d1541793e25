namespace Hearth.Engine.Sampling;

/// <summary>
/// Repetition, frequency and presence penalties over the last N tokens, applied to raw logits.
/// Repetition follows llama.cpp (divide positive logits, multiply negative ones by the penalty);
/// frequency and presence follow OpenAI (subtract count * frequency + presence).
/// </summary>
internal static class Penalties
{
    public static void Apply(Span<float> logits, ReadOnlySpan<int> history, SamplerOptions options, Dictionary<int, int> counts)
    {
        var noRepeat = options.RepeatPenalty == 1f;
        if ((noRepeat && options.FrequencyPenalty == 0f && options.PresencePenalty == 0f) || options.RepeatLastN == 0 || history.IsEmpty)
        {
            return;
        }

        var window = options.RepeatLastN < 0 ? history : history[Math.Max(0, history.Length - options.RepeatLastN)..];
        counts.Clear();
        foreach (var token in window)
        {
            if ((uint)token < (uint)logits.Length)
            {
                counts[token] = counts.GetValueOrDefault(token) + 1;
            }
        }

        foreach (var (token, count) in counts)
        {
            ref var logit = ref logits[token];
            if (!noRepeat)
            {
                logit = logit > 0 ? logit / options.RepeatPenalty : logit * options.RepeatPenalty;
            }

            logit -= (count * options.FrequencyPenalty) + options.PresencePenalty;
        }
    }
}
