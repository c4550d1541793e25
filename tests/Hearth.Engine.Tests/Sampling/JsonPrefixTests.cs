using System.Text;
using System.Text.Json;
using Hearth.Engine.Sampling;

namespace Hearth.Engine.Tests.Sampling;

public class JsonPrefixTests
{
    private static JsonPrefix Fed(string text)
    {
        var state = default(JsonPrefix);
        Assert.True(state.TryAppend(Encoding.UTF8.GetBytes(text)), $"rejected: {text}");
        return state;
    }

    /// <summary>Index of the first byte the automaton rejects, or -1 when all are accepted.</summary>
    private static int FirstRejected(byte[] bytes)
    {
        var state = default(JsonPrefix);
        for (var i = 0; i < bytes.Length; i++)
        {
            if (!state.TryAppend(bytes.AsSpan(i, 1)))
            {
                return i;
            }
        }

        return -1;
    }

    [Theory]
    [InlineData("{}")]
    [InlineData(" {\"a\": 1}")]
    [InlineData("{\"a\":[1,-2.5e+3,0,0.25E-1,true,false,null,\"x\"],\"b\":{\"c\":{}} ,\"d\":[]}")]
    [InlineData("{\n  \"name\": \"Zoë \\u00e9 \\\"q\\\" \\\\ \\/ \\n\",\n  \"n\": -0\n}")]
    [InlineData("{\"emoji\":\"😀\",\"cjk\":\"漢字\"}")]
    public void Valid_objects_are_accepted_and_complete(string json)
    {
        Assert.True(Fed(json).IsComplete);
        using var _ = JsonDocument.Parse(json); // the cases themselves are valid JSON
    }

    [Theory]
    [InlineData("[1]", 0)]                  // the root must be an object
    [InlineData("\"a\"", 0)]
    [InlineData("{a:1}", 1)]                 // keys are strings
    [InlineData("{\"a\" 1}", 5)]             // colon missing
    [InlineData("{\"a\":01}", 6)]            // no leading zeros
    [InlineData("{\"a\":1.}", 7)]            // digits after the dot
    [InlineData("{\"a\":-}", 6)]
    [InlineData("{\"a\":1e}", 7)]
    [InlineData("{\"a\":tru}", 8)]
    [InlineData("{\"a\":True}", 5)]
    [InlineData("{\"a\":1,}", 7)]            // no trailing comma
    [InlineData("{\"a\":[1,]}", 8)]
    [InlineData("{\"a\":[1}", 7)]            // brackets must match
    [InlineData("{\"a\":{]", 6)]
    [InlineData("{\"a\":\"\\x\"}", 7)]       // unknown escape
    [InlineData("{\"a\":\"\\u12g4\"}", 10)]  // non-hex digit
    [InlineData("{\"a\":\"tab\there\"}", 9)] // raw control character in a string
    [InlineData("{} ", 2)]                   // nothing after the root object, not even whitespace
    [InlineData("{}{}", 2)]
    public void Invalid_text_is_rejected_at_the_first_wrong_byte(string text, int at)
    {
        Assert.Equal(at, FirstRejected(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void A_rejected_append_leaves_the_state_unchanged()
    {
        var state = Fed("{\"a\":");
        Assert.False(state.TryAppend("1}}"u8));
        Assert.False(state.Accepts("}"u8));
        Assert.True(state.Accepts("[]}"u8));
        Assert.True(state.TryAppend("\"done\"}"u8));
        Assert.True(state.IsComplete);
    }

    [Fact]
    public void Numbers_end_at_the_byte_that_follows_them_even_across_tokens()
    {
        var state = Fed("{\"a\":12");
        Assert.False(state.IsComplete);
        Assert.True(state.Accepts("3"u8));
        Assert.True(state.Accepts(".5}"u8));
        Assert.True(state.Accepts(" ,\"b\":0}"u8));
        Assert.True(state.TryAppend("}"u8));
        Assert.True(state.IsComplete);
    }

    [Fact]
    public void Utf8_characters_may_be_split_across_tokens_inside_strings_only()
    {
        var euro = Encoding.UTF8.GetBytes("€"); // three bytes
        var state = Fed("{\"a\":\"");
        Assert.True(state.TryAppend(euro.AsSpan(0, 1)));
        Assert.True(state.TryAppend(euro.AsSpan(1)));
        Assert.True(state.TryAppend("\"}"u8));
        Assert.True(state.IsComplete);
        Assert.False(Fed("{\"a\":1").Accepts(euro));
    }

    [Fact]
    public void Whitespace_runs_and_nesting_are_capped()
    {
        var state = Fed("{");
        Assert.True(state.Accepts(Encoding.UTF8.GetBytes(new string(' ', JsonPrefix.MaxWhitespaceRun))));
        Assert.False(state.Accepts(Encoding.UTF8.GetBytes(new string(' ', JsonPrefix.MaxWhitespaceRun + 1))));
        Assert.True(state.Accepts(Encoding.UTF8.GetBytes("\n" + new string(' ', 20) + "\"k\":" + new string(' ', JsonPrefix.MaxWhitespaceRun))));

        var deep = Fed("{\"a\":" + new string('[', JsonPrefix.MaxDepth - 1));
        Assert.False(deep.Accepts("["u8));
        Assert.True(deep.Accepts(Encoding.UTF8.GetBytes("1" + new string(']', JsonPrefix.MaxDepth - 1) + "}")));
    }

    [Fact]
    public void Agrees_with_system_text_json_on_random_documents_and_their_mutations()
    {
        var rng = new Random(7);
        const string alphabet = "{}[]\":,0123456789-+.eEtrufalsn \n\\ux";
        for (var i = 0; i < 400; i++)
        {
            var json = JsonSerializer.Serialize(RandomObject(rng, 0), new JsonSerializerOptions { WriteIndented = i % 2 == 0 });
            var bytes = Encoding.UTF8.GetBytes(json);
            Assert.Equal(-1, FirstRejected(bytes));
            Assert.True(Fed(json).IsComplete, json);

            // A mutated document the automaton accepts as complete must be valid JSON (nothing invalid gets through).
            var mutated = (byte[])bytes.Clone();
            mutated[rng.Next(mutated.Length)] = (byte)alphabet[rng.Next(alphabet.Length)];
            var state = default(JsonPrefix);
            if (state.TryAppend(mutated) && state.IsComplete)
            {
                using var _ = JsonDocument.Parse(mutated);
            }
        }
    }

    private static Dictionary<string, object?> RandomObject(Random rng, int depth)
    {
        var result = new Dictionary<string, object?>();
        for (var i = rng.Next(depth < 3 ? 5 : 2); i > 0; i--)
        {
            result["k" + rng.Next(1000) + (rng.Next(4) == 0 ? "é\"\\/\n" : string.Empty)] = RandomValue(rng, depth + 1);
        }

        return result;
    }

    private static object? RandomValue(Random rng, int depth) => rng.Next(depth < 3 ? 8 : 6) switch
    {
        0 => null,
        1 => rng.Next(2) == 0,
        2 => rng.Next(-100000, 100000),
        3 => (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-30, 30)),
        4 => "s" + rng.Next() + (rng.Next(3) == 0 ? "\u0001😀\t" : string.Empty),
        5 => string.Empty,
        6 => RandomObject(rng, depth),
        _ => Enumerable.Range(0, rng.Next(4)).Select(_ => RandomValue(rng, depth + 1)).ToList(),
    };
}
