using Hearth.Testing;

namespace Hearth.Engine.Tests;

/// <summary>
/// Every reference model against the reference implementation's logits (shared/reference/logits):
/// teacher-forced over the whole token list as one batch, and free-running greedy for float weights.
/// The mixture-of-experts files are checked in <see cref="MixtureOfExpertsTests"/>: an expert chosen at a near tie
/// moves a position's logits past any tolerance, so their comparison needs to see the routing.
/// </summary>
public sealed class ReferenceLogitTests
{
    public static TheoryData<string> Models()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(SharedData.Path("models", "reference"), "*.gguf").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (!name.StartsWith("vocab-", StringComparison.Ordinal))
            {
                data.Add(name);
            }
        }

        data.Add("llama-2-tiny-random.gguf");
        return data;
    }

    /// <summary>The models compared position by position with the plain rules (all but the mixtures of experts).</summary>
    public static TheoryData<string> DenseModels() => Filter(name => !MixtureOfExpertsTests.IsMixture(name));

    /// <summary>Greedy continuations: also the f32 mixture of experts (its greedy path has no near-tie routing).</summary>
    public static TheoryData<string> GreedyModels() =>
        Filter(name => !MixtureOfExpertsTests.IsMixture(name) || ReferenceCase.IsFloat(name));

    private static TheoryData<string> Filter(Func<string, bool> keep)
    {
        var data = new TheoryData<string>();
        foreach (string name in Models())
        {
            if (keep(name))
            {
                data.Add(name);
            }
        }

        return data;
    }

    internal static string ModelPath(string name) =>
        name.StartsWith("llama-2-tiny", StringComparison.Ordinal) ? SharedData.Model(name) : SharedData.ReferenceModel(name);

    [Theory]
    [MemberData(nameof(Models))]
    public void Prompt_tokens_match_the_reference(string name)
    {
        using var model = Model.Load(ModelPath(name), new ModelOptions { Threads = 1 });
        foreach (var c in ReferenceCase.Load(name))
        {
            Assert.Equal(c.PromptTokens, model.Tokenizer.Encode(c.Prompt, addSpecial: true));
        }
    }

    [Theory]
    [MemberData(nameof(DenseModels))]
    public void Teacher_forced_logits_match_the_reference(string name)
    {
        using var model = Model.Load(ModelPath(name), new ModelOptions { Threads = 2 });
        var tol = ReferenceCase.Tolerance(name);
        foreach (var c in ReferenceCase.Load(name))
        {
            Assert.Equal(c.VocabSize, model.Info.VocabSize);
            var cache = model.CreateCache(1, c.Tokens.Length);
            var batch = c.Tokens.Select((t, i) => new BatchToken(t, i, 0, true)).ToArray();
            var logits = new float[c.Tokens.Length * c.VocabSize];
            model.Forward(batch, cache, logits);
            for (var i = 0; i < c.Tokens.Length; i++)
            {
                LogitComparison.AssertPosition(logits.AsSpan(i * c.VocabSize, c.VocabSize), c.Positions[i], tol, $"{name} '{c.Prompt}' position {i}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(GreedyModels))]
    public void Greedy_continuation_matches_the_reference_up_to_the_first_close_call(string name)
    {
        using var model = Model.Load(ModelPath(name), new ModelOptions { Threads = 2 });
        var tol = ReferenceCase.Tolerance(name);
        foreach (var c in ReferenceCase.Load(name))
        {
            var cache = model.CreateCache(1, c.PromptTokens.Length + c.Greedy.Length + 1);
            var logits = new float[c.VocabSize];
            var batch = c.PromptTokens.Select((t, i) => new BatchToken(t, i, 0, i == c.PromptTokens.Length - 1)).ToArray();
            model.Forward(batch, cache, logits);
            var position = c.PromptTokens.Length;
            for (var g = 0; g < c.Greedy.Length; g++)
            {
                var reference = c.Positions[position - 1];
                if (reference.Margin <= 2 * tol)
                {
                    break;   // from here on the reference's own choice was a near tie
                }

                var next = LogitComparison.ArgMax(logits);
                Assert.True(next == c.Greedy[g], $"{name} '{c.Prompt}': greedy token {g} is {next}, reference {c.Greedy[g]}");
                model.Forward([new BatchToken(next, position, 0, true)], cache, logits);
                position++;
            }
        }
    }
}
