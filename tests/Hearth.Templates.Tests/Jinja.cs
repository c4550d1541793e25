using System.Text.Json.Nodes;
using Hearth.Templates.Parsing;
using Hearth.Templates.Runtime;

namespace Hearth.Templates.Tests;

/// <summary>Renders a bare template with JSON variables through the interpreter (no chat-template conventions).</summary>
internal static class Jinja
{
    public static string Render(string template, string variablesJson = "{}", RenderBudget? budget = null)
    {
        var globals = new Scope(null);
        Globals.AddTo(globals);
        foreach (var (key, value) in JsonNode.Parse(variablesJson)!.AsObject())
        {
            globals.Set(key, JsonValues.FromJson(value));
        }

        return new Evaluator(budget ?? new RenderBudget(), new FixedClock(new DateTimeOffset(2024, 7, 26, 9, 5, 3, TimeSpan.Zero)))
            .Render(Parser.Parse(template), globals);
    }
}
