using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hearth.Templates;

/// <summary>
/// OpenAI clients send a tool call's <c>arguments</c> as a JSON string, but most tool templates write them with
/// <c>tojson</c> and expect an object (a string would come out quoted). As llama.cpp does, a template that renders an
/// object's keys gets every string argument that parses as a JSON object turned into that object; a template that
/// concatenates the string (Functionary, DeepSeek R1) keeps it.
/// </summary>
internal static class ToolArgumentsPolyfill
{
    private const string ProbeKey = "hearth_probe_argument";

    /// <summary>The assistant turn the probe renders (id of nine characters: Mistral's template checks the length).</summary>
    public static JsonArray ProbeMessages() =>
    [
        new JsonObject { ["role"] = "user", ["content"] = "probe" },
        new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = string.Empty,
            ["tool_calls"] = new JsonArray(new JsonObject
            {
                ["id"] = "call00001",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = "probe_tool", ["arguments"] = new JsonObject { [ProbeKey] = "x" } },
            }),
        },
    ];

    public static bool ProbeSucceeded(string rendered) => rendered.Contains("\"" + ProbeKey + "\"", StringComparison.Ordinal);

    public static bool HasStringArguments(JsonArray messages) => messages.Any(m => Calls(m).Any(c => c?["function"]?["arguments"] is JsonValue));

    public static bool HasObjectArguments(JsonArray messages) => messages.Any(m => Calls(m).Any(c => c?["function"]?["arguments"] is JsonObject));

    /// <summary>A copy of <paramref name="messages"/> whose object arguments (Ollama sends objects) are JSON text, for
    /// templates that concatenate them.</summary>
    public static JsonArray WithStringArguments(JsonArray messages)
    {
        var copy = messages.DeepClone().AsArray();
        foreach (var call in copy.SelectMany(Calls))
        {
            if (call?["function"] is JsonObject function && function["arguments"] is JsonObject arguments)
            {
                function["arguments"] = arguments.ToJsonString();
            }
        }

        return copy;
    }

    /// <summary>A copy of <paramref name="messages"/> whose string arguments holding a JSON object are that object.</summary>
    public static JsonArray WithObjectArguments(JsonArray messages)
    {
        var copy = messages.DeepClone().AsArray();
        foreach (var call in copy.SelectMany(Calls))
        {
            if (call?["function"] is JsonObject function && function["arguments"] is JsonValue value && value.TryGetValue<string>(out var text))
            {
                try
                {
                    if (JsonNode.Parse(text) is JsonObject parsed)
                    {
                        function["arguments"] = parsed;
                    }
                }
                catch (JsonException)
                {
                    // Not JSON: the template gets the text as the client sent it.
                }
            }
        }

        return copy;
    }

    private static IEnumerable<JsonNode?> Calls(JsonNode? message) => message?["tool_calls"] as JsonArray ?? [];
}
