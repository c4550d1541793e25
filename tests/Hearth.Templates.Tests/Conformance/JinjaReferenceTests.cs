using System.Text.Json.Nodes;
using Hearth.Templates.Runtime;
using Hearth.Templates.Runtime.Values;

namespace Hearth.Templates.Tests.Conformance;

/// <summary>
/// Small templates exercising one feature each (whitespace control, loops, filters, tests, methods,
/// macros, number and repr formatting, tojson), compared with what Python Jinja2 configured like HF
/// transformers renders (jinja-reference.json, made by generate_reference.py next to it).
/// </summary>
public sealed class JinjaReferenceTests
{
    private static readonly Lazy<JsonNode> Reference = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Conformance", "jinja-reference.json")))!);

    public static TheoryData<int> Indexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Reference.Value["cases"]!.AsArray().Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Indexes))]
    public void Renders_like_python_jinja(int index)
    {
        var c = Reference.Value["cases"]![index]!;
        var template = (string)c["template"]!;
        var globals = new Scope(null);
        Globals.AddTo(globals);
        foreach (var (key, value) in Reference.Value["vars"]!.AsObject())
        {
            globals.Set(key, JsonValues.FromJson(value));
        }

        var body = Hearth.Templates.Parsing.Parser.Parse(template);
        var rendered = new Evaluator(new RenderBudget(), TimeProvider.System).Render(body, globals);

        Assert.Equal((string)c["expected"]!, rendered);
    }
}
