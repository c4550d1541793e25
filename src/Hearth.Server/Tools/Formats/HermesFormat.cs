using System.Text;
using Hearth.Engine.Sampling;

namespace Hearth.Server.Tools;

/// <summary>
/// Hermes 2 Pro / Qwen 2.5 (and the many templates that copied them): each call is
/// <c>&lt;tool_call&gt;\n{"name": "f", "arguments": {...}}\n&lt;/tool_call&gt;</c>, text may come before, calls follow
/// one another. A closing marker the model did not write before ending is forgiven.
/// </summary>
internal sealed class HermesFormat : ToolCallFormat
{
    private const string Open = "<tool_call>";
    private const string Close = "</tool_call>";
    private static readonly string[] NameKeys = ["name"];
    private static readonly string[] ArgumentKeys = ["arguments", "parameters"];

    public override string Name => "hermes";

    public override ToolParse Parse(string text, bool partial)
    {
        var content = new StringBuilder();
        var calls = new List<ParsedToolCall>();
        var pos = 0;
        while (true)
        {
            var at = text.IndexOf(Open, pos, StringComparison.Ordinal);
            if (at < 0)
            {
                content.Append(ToolText.HoldBack(text[pos..], Open, partial));
                return new ToolParse(content.ToString(), calls);
            }

            content.Append(text, pos, at - pos);
            var obj = PartialJson.ReadObject(text, at + Open.Length);
            if (obj is null)
            {
                return ToolParse.Invalid(text, partial, content.ToString(), calls);
            }

            var call = ToolText.ReadCall(text, obj, NameKeys, ArgumentKeys, complete: obj.Closed);
            if (!obj.Closed)
            {
                if (call is not null)
                {
                    calls.Add(call);
                }

                return partial ? new ToolParse(content.ToString(), calls) : ToolParse.Invalid(text, partial, string.Empty, []);
            }

            if (call is null)
            {
                return ToolParse.Invalid(text, partial, content.ToString(), calls);
            }

            calls.Add(call);
            var after = PartialJson.SkipWhitespace(text, obj.End);
            if (text.AsSpan(after).StartsWith(Close, StringComparison.Ordinal))
            {
                pos = after + Close.Length;
            }
            else if (after == text.Length || (partial && Close.StartsWith(text[after..], StringComparison.Ordinal)))
            {
                return new ToolParse(content.ToString(), calls);
            }
            else
            {
                return ToolParse.Invalid(text, partial, content.ToString(), calls);
            }
        }
    }

    public override ForcedCall Force(ToolOptions tools)
    {
        var call = CallSchemas.Calls(tools.Callable, "name", "arguments", "#");
        return new ForcedCall(
            Open + "\n",
            () => new JsonSequenceConstraint([JsonSequencePart.Json(call), JsonSequencePart.Text("\n" + Close)], tools.Parallel ? "\n" + Open + "\n" : null));
    }
}
