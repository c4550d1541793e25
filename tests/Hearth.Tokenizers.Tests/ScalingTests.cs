namespace Hearth.Tokenizers.Tests;

/// <summary>
/// Encoding work must grow near-linearly with input size (a heap over adjacent pairs, not rescans). Measured as
/// merge-loop iterations, never wall-clock time: 4x the input must cost well under the 16x of a quadratic loop.
/// </summary>
public sealed class ScalingTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "llama-spm", "nospace" }, { "llama-spm", "repeat" },
        { "gpt-2", "nospace" }, { "gpt-2", "repeat" },
        { "deepseek-coder", "nospace" },
        { "bert-bge", "nospace" }, { "bert-bge", "repeat" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Work_grows_near_linearly(string name, string kind)
    {
        var t = VocabFiles.Get(name);
        var small = Work(t, Input(kind, 20_000), out var smallIds);
        var large = Work(t, Input(kind, 80_000), out var largeIds);
        Assert.True(small > 0);
        Assert.NotEmpty(smallIds);
        Assert.True(largeIds.Length >= smallIds.Length * 3, "output should scale with input");
        var ratio = (double)large / small;
        Assert.True(ratio < 6.0, $"work ratio {ratio:F2} for 4x input (quadratic would be ~16)");
    }

    private static long Work(Tokenizer t, string text, out int[] ids)
    {
        var counters = new EncodeCounters();
        ids = t.Encode(text, addSpecial: false, parseSpecial: false, counters);
        return counters.Steps;
    }

    private static string Input(string kind, int length)
    {
        if (kind == "repeat")
        {
            return new string('a', length);
        }

        // Deterministic text without spaces: letters, digits and punctuation from a seeded generator.
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:-_()";
        var random = new Random(1234);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = alphabet[random.Next(alphabet.Length)];
        }

        return new string(chars);
    }
}
