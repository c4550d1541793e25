using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Engine.Sampling;

namespace Hearth.Server.Tools;

/// <summary>
/// For templates with no tool format of their own (llama.cpp's "generic" format): the tools and the answer format are
/// described in a system message, and the model answers with one JSON object, <c>{"tool_calls": [{"name": "f",
/// "arguments": {...}}]}</c> (or <c>{"tool_call": {...}}</c>) for calls, <c>{"response": "..."}</c> for text. Any
/// other answer is plain content.
/// </summary>
internal sealed class GenericFormat(bool describesTools) : ToolCallFormat
{
    private static readonly string[] NameKeys = ["name"];
    private static readonly string[] ArgumentKeys = ["arguments", "parameters"];

    public override string Name => "generic";

    public override bool DescribesToolsItself => describesTools;

    /// <summary>The system text for a template that does not show tools to the model.</summary>
    public static string Instructions(ToolOptions tools) =>
        "You can call any of the following tools to satisfy the user's requests: " + tools.Definitions.ToJsonString() +
        "\n\nRespond in JSON format, either with `tool_calls` (a request to call tools) or with `response` (a reply to the user's request): " +
        "{\"tool_calls\": [{\"name\": \"<tool name>\", \"arguments\": {...}}]} or {\"response\": \"<text>\"}";

    /// <summary>
    /// The conversation as a template without tool support can show it: the tool instructions in the (first) system
    /// message, earlier calls as the JSON the model is asked to write, tool results as tool messages with their content.
    /// </summary>
    public static JsonArray Polyfill(JsonArray messages, ToolOptions tools)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var result = new JsonArray();
        foreach (var m in messages)
        {
            var message = m!.DeepClone().AsObject();
            if (message["tool_calls"] is JsonArray calls)
            {
                var written = new JsonArray();
                foreach (var call in calls)
                {
                    var function = call?["function"];
                    var arguments = function?["arguments"];
                    written.Add(new JsonObject
                    {
                        ["name"] = function?["name"]?.DeepClone(),
                        ["arguments"] = arguments is JsonValue v && v.TryGetValue<string>(out var s) && ToolText.IsObject(s) ? JsonNode.Parse(s) : arguments?.DeepClone(),
                    });
                }

                message.Remove("tool_calls");
                message["content"] = new JsonObject { ["tool_calls"] = written }.ToJsonString();
            }

            result.Add(message);
        }

        var instructions = Instructions(tools);
        if (result.Count > 0 && (string?)result[0]!["role"] == "system")
        {
            result[0]!["content"] = (string?)result[0]!["content"] + "\n\n" + instructions;
        }
        else
        {
            result.Insert(0, new JsonObject { ["role"] = "system", ["content"] = instructions });
        }

        return result;
    }

    public override ToolParse Parse(string text, bool partial)
    {
        var start = PartialJson.SkipWhitespace(text, 0);
        if (start == text.Length || text[start] != '{')
        {
            return ToolParse.Text(text);
        }

        var obj = PartialJson.ReadObject(text, start);
        if (obj is null || (obj.Members.Count > 0 && obj.Members[0].Key is not ("tool_calls" or "tool_call" or "response")))
        {
            return ToolParse.Text(text);
        }

        if (obj.Members.Count == 0 || obj.Members[0].ValueEnd < 0 && obj.Members[0].Key == "response")
        {
            return partial ? new ToolParse(string.Empty, []) : ToolParse.Text(text);
        }

        var member = obj.Members[0];
        if (obj.Closed && PartialJson.SkipWhitespace(text, obj.End) != text.Length)
        {
            return ToolParse.Text(text);
        }

        switch (member.Key)
        {
            case "response":
                var value = text[member.ValueStart..member.ValueEnd];
                return value.StartsWith('"') ? new ToolParse(JsonSerializer.Deserialize<string>(value)!, []) : ToolParse.Text(text);
            case "tool_call":
                var one = PartialJson.ReadObject(text, member.ValueStart);
                var call = one is null ? null : ToolText.ReadCall(text, one, NameKeys, ArgumentKeys, complete: !partial);
                return call is null ? (partial ? new ToolParse(string.Empty, []) : ToolParse.Text(text)) : new ToolParse(string.Empty, [call]);
            default:
                var calls = ToolText.ReadCallArray(text, member.ValueStart, NameKeys, ArgumentKeys, partial, out _);
                return calls is null || (!partial && calls.Count == 0) ? (partial ? new ToolParse(string.Empty, []) : ToolParse.Text(text)) : new ToolParse(string.Empty, calls);
        }
    }

    public override ForcedCall Force(ToolOptions tools)
    {
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { ["tool_calls"] = CallSchemas.Array(CallSchemas.Calls(tools.Callable, "name", "arguments", "#/properties/tool_calls/items"), tools.Parallel) },
            ["required"] = new JsonArray("tool_calls"),
        };
        return new ForcedCall(string.Empty, () => new JsonSequenceConstraint([JsonSequencePart.Json(schema)]));
    }
}
