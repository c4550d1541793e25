using Hearth.Engine.Sampling;

namespace Hearth.Server.Tools;

/// <summary>
/// Mistral (Nemo, Small, 7B v0.3): <c>[TOOL_CALLS][{"name": "f", "arguments": {...}, "id": "abc123XYZ"}, ...]</c>
/// after optional text. <c>[TOOL_CALLS]</c> is a control token, and the template insists on call ids of nine
/// characters.
/// </summary>
internal sealed class MistralFormat : ToolCallFormat
{
    private const string Marker = "[TOOL_CALLS]";
    private static readonly string[] NameKeys = ["name"];
    private static readonly string[] ArgumentKeys = ["arguments", "parameters"];

    public override string Name => "mistral";

    public override bool NeedsSpecialText => true;

    public override string NewCallId() => RandomAlphanumeric(9);

    public override ToolParse Parse(string text, bool partial) => MarkedArray(text, Marker, NameKeys, ArgumentKeys, partial);

    /// <summary>Content, then <paramref name="marker"/> and a JSON array of call objects (also Firefunction's form).</summary>
    internal static ToolParse MarkedArray(string text, string marker, string[] nameKeys, string[] argumentKeys, bool partial)
    {
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return ToolParse.Text(ToolText.HoldBack(text, marker, partial));
        }

        var content = text[..at];
        var calls = ToolText.ReadCallArray(text, at + marker.Length, nameKeys, argumentKeys, partial, out var end);
        if (calls is null || (!partial && (calls.Count == 0 || PartialJson.SkipWhitespace(text, end) != text.Length)))
        {
            return ToolParse.Invalid(text, partial, content, []);
        }

        return new ToolParse(content, calls);
    }

    public override ForcedCall Force(ToolOptions tools)
    {
        var array = CallSchemas.Array(CallSchemas.Calls(tools.Callable, "name", "arguments", "#/items"), tools.Parallel);
        return new ForcedCall(Marker, () => new JsonSequenceConstraint([JsonSequencePart.Json(array)]));
    }
}
