using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Engine.Sampling;

namespace Hearth.Engine.Tests.Sampling;

public class JsonSchemaConstraintTests
{
    private const string Person = """
        {"type":"object","properties":{
          "name":{"type":"string"},
          "age":{"type":"integer"},
          "member":{"type":"boolean"}},
         "required":["age"]}
        """;

    private static JsonSchemaConstraint Constraint(string schema) => new(JsonNode.Parse(schema)!);

    /// <summary>Index of the first byte the constraint rejects, or -1; and whether the whole text is complete.</summary>
    private static (int Rejected, bool Complete) Feed(string schema, string text)
    {
        var constraint = Constraint(schema);
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var i = 0; i < bytes.Length; i++)
        {
            if (!constraint.TryAppend(bytes.AsSpan(i, 1)))
            {
                return (i, false);
            }
        }

        return (-1, constraint.IsComplete);
    }

    [Theory]
    [InlineData("{\"age\":30}")]
    [InlineData("{\"name\":\"Ann\",\"age\":-2,\"member\":true}")]
    [InlineData(" {\n  \"name\": \"Zoë\",\n  \"age\": 0\n}")]
    [InlineData("{\"age\":7,\"member\":false}")]
    public void Objects_following_the_schema_are_complete(string json)
    {
        Assert.Equal((-1, true), Feed(Person, json));
    }

    [Theory]
    [InlineData("{}", 1)]                              // "age" is required
    [InlineData("{\"member\":true}", 2)]               // properties come in schema order; "age" cannot be skipped
    [InlineData("{\"age\":1,\"name\":\"x\"}", 10)]     // nor can an earlier one come back
    [InlineData("{\"nick\":1}", 3)]                    // unknown property (its "n" could still start "name")
    [InlineData("{\"name\":1}", 8)]                    // wrong type
    [InlineData("{\"age\":1.5}", 8)]                   // integers have no fraction
    [InlineData("{\"age\":1e3}", 8)]
    [InlineData("{\"age\":\"1\"}", 7)]
    [InlineData("{\"age\":1} ", 9)]                    // nothing after the value
    [InlineData("[1]", 0)]
    public void Text_against_the_schema_is_rejected_at_the_first_wrong_byte(string text, int at)
    {
        Assert.Equal(at, Feed(Person, text).Rejected);
    }

    [Fact]
    public void Enums_consts_unions_and_nullable_types()
    {
        const string Colour = """{"enum":["red","grün",3,null]}""";
        Assert.Equal((-1, true), Feed(Colour, "\"grün\""));
        Assert.Equal((-1, true), Feed(Colour, "3"));
        Assert.Equal((-1, true), Feed(Colour, "null"));
        Assert.Equal(1, Feed(Colour, "\"blue\"").Rejected);
        Assert.Equal(0, Feed(Colour, "4").Rejected);

        Assert.Equal((-1, true), Feed("""{"const":{"a":[1]}}""", "{\"a\":[1]}"));
        Assert.Equal(2, Feed("""{"const":{"a":[1]}}""", "{\"b\":[1]}").Rejected);

        const string Nullable = """{"type":["string","null"]}""";
        Assert.Equal((-1, true), Feed(Nullable, "\"x\""));
        Assert.Equal((-1, true), Feed(Nullable, "null"));
        Assert.Equal(0, Feed(Nullable, "1").Rejected);

        // Two object shapes that share a first key: both stay possible until the second key decides.
        const string Shapes = """
            {"anyOf":[
              {"type":"object","properties":{"kind":{"const":"circle"},"r":{"type":"number"}},"required":["kind","r"]},
              {"type":"object","properties":{"kind":{"const":"square"},"side":{"type":"number"}},"required":["kind","side"]}]}
            """;
        Assert.Equal((-1, true), Feed(Shapes, "{\"kind\":\"square\",\"side\":2}"));
        Assert.Equal((-1, true), Feed(Shapes, "{\"kind\":\"circle\",\"r\":0.5}"));
        Assert.Equal(18, Feed(Shapes, "{\"kind\":\"circle\",\"side\":2}").Rejected);
    }

    [Fact]
    public void String_lengths_count_characters_not_bytes()
    {
        const string Code = """{"type":"string","minLength":2,"maxLength":3}""";
        Assert.Equal((-1, true), Feed(Code, "\"ab\""));
        Assert.Equal((-1, true), Feed(Code, "\"äöü\""));          // six bytes, three characters
        Assert.Equal((-1, true), Feed(Code, "\"a\\n\\u00e9\""));    // an escape is one character
        Assert.Equal(2, Feed(Code, "\"a\"").Rejected);          // too short to close
        Assert.Equal(4, Feed(Code, "\"abcd\"").Rejected);       // too long
        Assert.Equal(7, Feed(Code, "\"äöüß\"").Rejected);       // the fourth character's lead byte
    }

    [Fact]
    public void Arrays_keep_their_item_type_and_bounds()
    {
        const string Tags = """{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":2}""";
        Assert.Equal((-1, true), Feed(Tags, "[\"a\"]"));
        Assert.Equal((-1, true), Feed(Tags, "[ \"a\" , \"b\" ]"));
        Assert.Equal(1, Feed(Tags, "[]").Rejected);
        Assert.Equal(8, Feed(Tags, "[\"a\",\"b\",\"c\"]").Rejected);
        Assert.Equal(1, Feed(Tags, "[1]").Rejected);
    }

    [Fact]
    public void References_resolve_into_defs_and_may_recurse()
    {
        const string Owner = """
            {"$defs":{"Pet":{"type":"object","properties":{"species":{"enum":["cat","dog"]}},"required":["species"]}},
             "type":"object","properties":{"pets":{"type":"array","items":{"$ref":"#/$defs/Pet"}}},"required":["pets"]}
            """;
        Assert.Equal((-1, true), Feed(Owner, "{\"pets\":[{\"species\":\"cat\"},{\"species\":\"dog\"}]}"));
        Assert.Equal(22, Feed(Owner, "{\"pets\":[{\"species\":\"cow\"}]}").Rejected);

        const string Tree = """{"type":"object","properties":{"v":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#"}}},"required":["v","children"]}""";
        Assert.Equal((-1, true), Feed(Tree, "{\"v\":1,\"children\":[{\"v\":2,\"children\":[{\"v\":3,\"children\":[]}]}]}"));
        Assert.Equal(24, Feed(Tree, "{\"v\":1,\"children\":[{\"v\":\"x\"}]}").Rejected);

        // The same definition twice side by side is no cycle.
        const string Pair = """{"$defs":{"N":{"type":"integer"}},"anyOf":[{"$ref":"#/$defs/N"},{"type":"array","items":{"$ref":"#/$defs/N"}}]}""";
        Assert.Equal((-1, true), Feed(Pair, "[1,2]"));
        Assert.Equal((-1, true), Feed(Pair, "7"));
    }

    [Fact]
    public void An_empty_schema_takes_any_json_value()
    {
        Assert.Equal((-1, true), Feed("{}", "[1,{\"a\":null,\"b\":[true,\"x\"]},-0.5e3]"));
        Assert.Equal((-1, true), Feed("{}", "\"s\""));
        Assert.Equal((-1, true), Feed("{}", "12"));
        Assert.Equal((-1, false), Feed("{}", "{\"a\":"));
        Assert.Equal(4, Feed("{}", "{\"a\"}").Rejected);
    }

    [Fact]
    public void A_rejected_append_leaves_the_state_unchanged()
    {
        var constraint = Constraint(Person);
        Assert.True(constraint.TryAppend("{\"age\":"u8));
        Assert.False(constraint.TryAppend("\"x\"}"u8));
        Assert.False(constraint.Accepts("}"u8));
        Assert.True(constraint.TryAppend("41}"u8));
        Assert.True(constraint.IsComplete);
    }

    [Theory]
    [InlineData("""{"type":"color"}""", "unsupported type 'color'")]
    [InlineData("""{"$ref":"https://example.org/s.json"}""", "unsupported $ref")]
    [InlineData("""{"$ref":"#/$defs/Missing"}""", "points at nothing")]
    [InlineData("""{"enum":[]}""", "'enum'")]
    [InlineData("""{"type":"array","maxItems":-1}""", "'maxItems'")]
    [InlineData("""[1]""", "must be an object")]
    [InlineData("""{"$defs":{"A":{"$ref":"#/$defs/B"},"B":{"anyOf":[{"$ref":"#/$defs/A"}]}},"$ref":"#/$defs/A"}""", "refers back to itself")]
    public void Unusable_schemas_are_argument_errors_naming_the_problem(string schema, string message)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => Constraint(schema));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_instances_of_a_schema_are_accepted_and_their_mutations_are_valid_when_accepted()
    {
        const string Schema = """
            {"type":"object","properties":{
              "id":{"type":"integer"},
              "tags":{"type":"array","items":{"type":"string"}},
              "score":{"type":["number","null"]},
              "meta":{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]}},
             "required":["id","meta"]}
            """;
        var rng = new Random(3);
        const string alphabet = "{}[]\":,0123456789-.etrufalsn \"idtagsmok";
        for (var i = 0; i < 300; i++)
        {
            var instance = new JsonObject { ["id"] = rng.Next(-1000, 1000) };
            if (rng.Next(2) == 0)
            {
                instance["tags"] = new JsonArray(Enumerable.Range(0, rng.Next(3)).Select(t => (JsonNode?)("t" + t + (rng.Next(3) == 0 ? "\"é" : string.Empty))).ToArray());
            }

            if (rng.Next(2) == 0)
            {
                instance["score"] = rng.Next(2) == 0 ? null : JsonValue.Create(rng.NextDouble() * 100);
            }

            instance["meta"] = new JsonObject { ["ok"] = rng.Next(2) == 0 };
            var text = instance.ToJsonString(new JsonSerializerOptions { WriteIndented = i % 2 == 0 });
            Assert.Equal((-1, true), Feed(Schema, text));

            var mutated = Encoding.UTF8.GetBytes(text);
            mutated[rng.Next(mutated.Length)] = (byte)alphabet[rng.Next(alphabet.Length)];
            var constraint = Constraint(Schema);
            if (constraint.TryAppend(mutated) && constraint.IsComplete)
            {
                var parsed = JsonNode.Parse(mutated)!.AsObject();
                Assert.True(parsed["id"]!.GetValueKind() == JsonValueKind.Number);
                Assert.True(parsed["meta"]!["ok"]!.GetValueKind() is JsonValueKind.True or JsonValueKind.False);
            }
        }
    }
}
