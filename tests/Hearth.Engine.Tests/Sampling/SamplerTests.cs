using Hearth.Engine.Sampling;

namespace Hearth.Engine.Tests.Sampling;

public class SamplerTests
{
    private static readonly float[] ThreeTokens = [MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.2f)];

    private static HashSet<int> Draws(SamplerOptions options, float[] logits, int n = 2000, int[]? history = null)
    {
        var sampler = new Sampler(options with { Seed = 42 });
        var seen = new HashSet<int>();
        for (var i = 0; i < n; i++)
        {
            seen.Add(sampler.Sample(logits, history ?? []));
        }

        return seen;
    }

    private static readonly SamplerOptions Plain = new() { Temperature = 1, TopK = 0, TopP = 1, MinP = 0 };

    [Fact]
    public void Greedy_picks_the_argmax_and_the_lowest_id_on_ties()
    {
        var sampler = new Sampler(SamplerOptions.Greedy);
        Assert.Equal(2, sampler.Sample([0.1f, 0.5f, 0.9f, -3f], []));
        Assert.Equal(1, sampler.Sample([0.1f, 0.9f, 0.9f], []));
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Non_finite_logits_are_reported_not_sampled(float bad)
    {
        var sampler = new Sampler(Plain);
        var ex = Assert.Throws<NonFiniteLogitsException>(() => sampler.Sample([0f, bad, 1f], []));
        Assert.Equal(1, ex.TokenId);
    }

    [Fact]
    public void Negative_infinity_masks_a_token()
    {
        Assert.DoesNotContain(1, Draws(Plain, [0f, float.NegativeInfinity, 0f]));
    }

    [Fact]
    public void The_same_seed_gives_the_same_tokens_and_another_seed_differs()
    {
        var logits = Enumerable.Range(0, 50).Select(i => (float)Math.Sin(i)).ToArray();
        int[] Run(ulong seed)
        {
            var s = new Sampler(Plain with { Seed = seed });
            return Enumerable.Range(0, 64).Select(_ => s.Sample(logits, [])).ToArray();
        }

        Assert.Equal(Run(7), Run(7));
        Assert.NotEqual(Run(7), Run(8));
    }

    [Fact]
    public void Top_k_keeps_only_the_k_best()
    {
        float[] logits = [1f, 3f, 2f, 0.5f, 2.9f];
        Assert.Equal(new HashSet<int> { 1, 4 }, Draws(Plain with { TopK = 2 }, logits));
    }

    [Fact]
    public void Top_k_of_one_is_greedy()
    {
        Assert.Equal(new HashSet<int> { 1 }, Draws(Plain with { TopK = 1 }, [1f, 3f, 2f]));
    }

    [Fact]
    public void Top_p_keeps_the_smallest_prefix_reaching_the_mass()
    {
        Assert.Equal(new HashSet<int> { 0, 1 }, Draws(Plain with { TopP = 0.6f }, ThreeTokens));
        Assert.Equal(new HashSet<int> { 0 }, Draws(Plain with { TopP = 0.5f }, ThreeTokens));
    }

    [Fact]
    public void Min_p_drops_tokens_below_a_fraction_of_the_best()
    {
        // 0.3 >= 0.5 * 0.5 but 0.2 < 0.25.
        Assert.Equal(new HashSet<int> { 0, 1 }, Draws(Plain with { MinP = 0.5f }, ThreeTokens));
    }

    [Fact]
    public void Typical_p_keeps_the_tokens_nearest_the_entropy()
    {
        // p = 0.4 for token 0 and 0.01 for each of 60 others: entropy is 3.13 nats, token 0's
        // surprisal 0.92 is farther from it (2.21) than a tail token's 4.61 (1.47), so the tail is kept.
        var logits = new float[61];
        logits[0] = MathF.Log(0.4f);
        for (var i = 1; i < logits.Length; i++)
        {
            logits[i] = MathF.Log(0.01f);
        }

        var kept = Draws(Plain with { TypicalP = 0.5f }, logits);
        Assert.DoesNotContain(0, kept);
    }

    [Fact]
    public void Sampling_follows_the_softmax_at_the_given_temperature()
    {
        float[] logits = [0f, 1f, 2f];
        const float T = 2f;
        var sampler = new Sampler(Plain with { Temperature = T, Seed = 1 });
        var counts = new int[3];
        const int N = 20000;
        for (var i = 0; i < N; i++)
        {
            counts[sampler.Sample(logits, [])]++;
        }

        var z = logits.Sum(l => Math.Exp(l / T));
        for (var i = 0; i < 3; i++)
        {
            Assert.InRange(counts[i] / (double)N, (Math.Exp(logits[i] / T) / z) - 0.02, (Math.Exp(logits[i] / T) / z) + 0.02);
        }
    }

    [Fact]
    public void Repeat_penalty_divides_positive_and_multiplies_negative_logits_of_recent_tokens()
    {
        var greedy = SamplerOptions.Greedy with { RepeatPenalty = 2f, RepeatLastN = 2 };
        var sampler = new Sampler(greedy);
        Assert.Equal(1, sampler.Sample([3f, 2f], [0]));            // 3/2 = 1.5 < 2
        Assert.Equal(0, sampler.Sample([3f, 2f], [0, 5, 5]));      // token 0 is outside the last 2
        Assert.Equal(1, sampler.Sample([-1f, -1.5f], [0]));        // -1*2 = -2 < -1.5
    }

    [Fact]
    public void Frequency_and_presence_penalties_subtract_per_count_and_once()
    {
        var sampler = new Sampler(SamplerOptions.Greedy with { FrequencyPenalty = 0.5f, RepeatLastN = -1 });
        Assert.Equal(0, sampler.Sample([2f, 1.1f], [0]));          // 2 - 0.5 = 1.5 > 1.1
        Assert.Equal(1, sampler.Sample([2f, 1.1f], [0, 0]));       // 2 - 1.0 = 1.0 < 1.1
        var presence = new Sampler(SamplerOptions.Greedy with { PresencePenalty = 0.5f });
        Assert.Equal(0, presence.Sample([2f, 1.1f], [0, 0, 0]));   // presence counts once: 1.5 > 1.1
    }

    [Fact]
    public void Logit_bias_can_ban_or_force_a_token()
    {
        var ban = new Sampler(SamplerOptions.Greedy with { LogitBias = new Dictionary<int, float> { [2] = float.NegativeInfinity } });
        Assert.Equal(1, ban.Sample([0f, 1f, 2f], []));
        var force = new Sampler(SamplerOptions.Greedy with { LogitBias = new Dictionary<int, float> { [0] = 100f, [99] = 5f } });
        Assert.Equal(0, force.Sample([0f, 1f, 2f], []));
    }

    [Fact]
    public void Log_probs_match_log_softmax_and_rank_best_first()
    {
        float[] logits = [1f, 3f, 2f];
        var z = logits.Sum(l => Math.Exp(l));
        var top = LogProbs.Top(logits, 2);
        Assert.Equal([1, 2], top.Select(t => t.Token));
        Assert.Equal(Math.Log(Math.Exp(3) / z), top[0].LogProb, 4);
        Assert.Equal(Math.Log(Math.Exp(1) / z), LogProbs.Of(logits, 0), 4);
    }

    [Theory]
    [InlineData(-1, 1f, 0f, 1f)]
    [InlineData(0, 0f, 0f, 1f)]
    [InlineData(0, 1.5f, 0f, 1f)]
    [InlineData(0, 1f, -0.1f, 1f)]
    [InlineData(0, 1f, 0f, 0f)]
    public void Invalid_options_are_rejected_with_the_field_named(int topK, float topP, float minP, float repeat)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplerOptions { TopK = topK, TopP = topP, MinP = minP, RepeatPenalty = repeat }));
        Assert.False(string.IsNullOrEmpty(ex.ParamName));
    }
}
