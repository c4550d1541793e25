using Hearth.Engine.Sampling;

namespace Hearth.Server.Tools;

/// <summary>
/// Command-R / R+ tool use: <c>Action: ```json\n[{"tool_name": "f", "parameters": {...}}]\n```</c>. Its
/// <c>directly-answer</c> pseudo-tool means "no call": such entries are dropped, and an answer of only those is content.
/// </summary>
internal sealed class CommandRFormat : ToolCallFormat
{
    private const string Marker = "Action:";
    private const string Fence = "```json";
    private const string DirectAnswer = "directly-answer";
    private static readonly string[] NameKeys = ["tool_name", "name"];
    private static readonly string[] ArgumentKeys = ["parameters", "arguments"];

    public override string Name => "command-r";

    public override ToolParse Parse(string text, bool partial)
    {
        var at = text.IndexOf(Marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return ToolParse.Text(ToolText.HoldBack(text, Marker, partial));
        }

        var content = text[..at].TrimEnd();
        var pos = PartialJson.SkipWhitespace(text, at + Marker.Length);
        var rest = text[pos..];
        if (rest.StartsWith(Fence, StringComparison.Ordinal))
        {
            pos += Fence.Length;
        }
        else if (partial && Fence.StartsWith(rest, StringComparison.Ordinal))
        {
            return new ToolParse(content, []);
        }

        var calls = ToolText.ReadCallArray(text, pos, NameKeys, ArgumentKeys, partial, out var end);
        if (calls is null)
        {
            return ToolParse.Invalid(text, partial, content, []);
        }

        var tail = end < 0 ? string.Empty : text[end..].Trim();
        if (!partial && tail.Length > 0 && tail != "```")
        {
            return ToolParse.Invalid(text, partial, content, []);
        }

        var real = calls.Where(c => c.Name != DirectAnswer).ToList();
        return !partial && real.Count == 0 ? ToolParse.Text(text) : new ToolParse(content, real);
    }

    public override ForcedCall Force(ToolOptions tools)
    {
        var array = CallSchemas.Array(CallSchemas.Calls(tools.Callable, "tool_name", "parameters", "#/items"), tools.Parallel);
        return new ForcedCall(Marker + "\n" + Fence + "\n", () => new JsonSequenceConstraint([JsonSequencePart.Json(array), JsonSequencePart.Text("\n```")]));
    }
}
