using Hearth.Engine.Sampling;

namespace Hearth.Server.Tools;

/// <summary>Firefunction v2: <c> functools[{"name": "f", "arguments": {...}}, ...]</c> after optional text; its template
/// also reads the tools as <c>functions</c> (JSON text) and the date as <c>datetime</c>, as llama.cpp passes them.</summary>
internal sealed class FirefunctionFormat : ToolCallFormat
{
    private const string Marker = "functools";
    private static readonly string[] NameKeys = ["name"];
    private static readonly string[] ArgumentKeys = ["arguments", "parameters"];

    public override string Name => "firefunction";

    public override IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonNode?> Variables(ToolOptions tools, TimeProvider time) => new Dictionary<string, System.Text.Json.Nodes.JsonNode?>
    {
        ["functions"] = tools.Definitions.Select(d => d!["function"]!.DeepClone()).Aggregate(new System.Text.Json.Nodes.JsonArray(), (a, f) => { a.Add(f); return a; }).ToJsonString(),
        ["datetime"] = time.GetUtcNow().ToString("MMM dd yyyy HH:mm:ss 'GMT'", System.Globalization.CultureInfo.InvariantCulture),
    };

    public override ToolParse Parse(string text, bool partial)
    {
        var parse = MistralFormat.MarkedArray(text, Marker, NameKeys, ArgumentKeys, partial);
        return parse.Calls.Count > 0 ? parse with { Content = parse.Content.TrimEnd() } : parse;
    }

    public override ForcedCall Force(ToolOptions tools)
    {
        var array = CallSchemas.Array(CallSchemas.Calls(tools.Callable, "name", "arguments", "#/items"), tools.Parallel);
        return new ForcedCall(" " + Marker, () => new JsonSequenceConstraint([JsonSequencePart.Json(array)]));
    }
}
