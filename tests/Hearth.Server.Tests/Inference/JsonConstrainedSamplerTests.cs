using System.Text;
using System.Text.Json;
using Hearth.Engine.Sampling;
using Hearth.Server.Inference;

namespace Hearth.Server.Tests.Inference;

/// <summary>JSON mode over the engine's real sampler and a small vocabulary whose tokens span several JSON bytes.</summary>
public class JsonConstrainedSamplerTests
{
    private const int Bos = 0;
    private const int Eos = 1;

    // Token ids 2.. are these pieces; ids 0 and 1 are control tokens.
    private static readonly string[] Texts =
        ["{", "}", "\"", "a", "1", ":", ",", " ", "[", "]", "true", "\"k\":", "x}", "\n  ", "-", ".5", "é", "\\n", "null,", "{\"", "]}", "k"];

    private static IReadOnlyList<byte[]?> Pieces =>
        [null, null, .. Texts.Select(Encoding.UTF8.GetBytes)];

    private static int Id(string text) => 2 + Array.IndexOf(Texts, text);

    private static JsonConstrainedSampler Create(float temperature, ulong seed, IJsonConstraint? constraint = null) =>
        new(new EngineSamplerFactory().Create(new SamplingParameters { Temperature = temperature, TopK = 0, TopP = 1, MinP = 0, Seed = seed }),
            constraint ?? new JsonObjectConstraint(),
            Pieces,
            id => id == Eos);

    private static string Text(IEnumerable<int> ids) => string.Concat(ids.Where(id => id >= 2).Select(id => Texts[id - 2]));

    [Fact]
    public void Greedy_output_is_forced_into_the_smallest_object_the_logits_allow()
    {
        // The model wants "a" everywhere, then "}", then the end: "a" never fits, so it gets "{", then "}", then the end.
        var logits = new float[2 + Texts.Length];
        logits[Id("a")] = 9;
        logits[Id("}")] = 8;
        logits[Eos] = 7;
        var sampler = Create(temperature: 0, seed: 1);
        var history = new List<int>();
        while (history.Count < 10 && (history.Count == 0 || history[^1] != Eos))
        {
            history.Add(sampler.Sample(logits, history.ToArray()));
        }

        Assert.Equal([Id("{"), Id("}"), Eos], history);
        Assert.True(sampler.IsComplete);
    }

    [Fact]
    public void A_fitting_choice_of_the_model_is_kept()
    {
        var logits = new float[2 + Texts.Length];
        logits[Id("{\"")] = 9; // fits at the start
        var sampler = Create(temperature: 0, seed: 1);
        Assert.Equal(Id("{\""), sampler.Sample(logits, []));
        logits[Id("a")] = 10;    // inside the key string: fits
        Assert.Equal(Id("a"), sampler.Sample(logits, []));
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void A_schema_forces_its_keys_and_value_types_whatever_the_logits_say(ulong seed)
    {
        var schema = System.Text.Json.Nodes.JsonNode.Parse("""{"type":"object","properties":{"k":{"type":"array","items":{"type":"integer"},"maxItems":3}},"required":["k"]}""")!;
        var rng = new Random((int)seed);
        var sampler = Create(temperature: 1, seed, new JsonSchemaConstraint(schema));
        var history = new List<int>();
        for (var step = 0; step < 500 && (history.Count == 0 || history[^1] != Eos); step++)
        {
            var logits = Enumerable.Range(0, 2 + Texts.Length).Select(_ => (float)(rng.NextDouble() * 4)).ToArray();
            logits[Eos] += 8;
            logits[Id("]}")] += 3;
            history.Add(sampler.Sample(logits, history.ToArray()));
        }

        Assert.Equal(Eos, history[^1]);
        using var document = JsonDocument.Parse(Text(history));
        var items = document.RootElement.GetProperty("k").EnumerateArray().ToList();
        Assert.Single(document.RootElement.EnumerateObject());
        Assert.InRange(items.Count, 0, 3);
        Assert.All(items, i => Assert.True(i.TryGetInt64(out _)));
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    [InlineData(4UL)]
    [InlineData(5UL)]
    public void Random_logits_always_give_one_valid_json_object_and_then_the_end(ulong seed)
    {
        var rng = new Random((int)seed);
        var sampler = Create(temperature: 1, seed);
        var history = new List<int>();
        for (var step = 0; step < 2000; step++)
        {
            // Random preferences, with closing brackets and the end favoured so that documents finish.
            var logits = Enumerable.Range(0, 2 + Texts.Length).Select(_ => (float)(rng.NextDouble() * 4)).ToArray();
            logits[Bos] = 20; // a control token the model "wants": never allowed
            logits[Id("}")] += 2;
            logits[Id("]")] += 2;
            logits[Eos] += 8;
            var token = sampler.Sample(logits, history.ToArray());
            history.Add(token);
            if (token == Eos)
            {
                break;
            }
        }

        Assert.Equal(Eos, history[^1]);
        Assert.DoesNotContain(Bos, history);
        var text = Text(history);
        using var document = JsonDocument.Parse(text);
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
    }
}
