using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hearth.Router.Proxy;

/// <summary>
/// OpenAI chat request → Ollama <c>/api/chat</c> request, for <c>type: ollama</c> backends. (Translation is the one
/// place the router must re-serialise a body: the two APIs disagree on shape.) Sampling parameters move into
/// <c>options</c>, tool-call arguments go from JSON strings to objects, image parts to base64 <c>images</c>.
/// </summary>
internal static class OllamaRequest
{
    public static byte[] FromOpenAIChat(ReadOnlySpan<byte> body, string backendModel, bool stream)
    {
        var request = JsonNode.Parse(body)!.AsObject();
        var chat = new JsonObject
        {
            ["model"] = backendModel,
            ["messages"] = Messages(request["messages"] as JsonArray),
            ["stream"] = stream,
        };
        if (request["tools"] is JsonArray tools)
        {
            chat["tools"] = tools.DeepClone();
        }

        if (request["response_format"] is JsonObject format)
        {
            var type = (string?)format["type"];
            if (type == "json_object")
            {
                chat["format"] = "json";
            }
            else if (type == "json_schema" && format["json_schema"]?["schema"] is JsonNode schema)
            {
                chat["format"] = schema.DeepClone();
            }
        }

        var options = new JsonObject();
        Copy(request, "temperature", options, "temperature");
        Copy(request, "top_p", options, "top_p");
        Copy(request, "seed", options, "seed");
        Copy(request, "presence_penalty", options, "presence_penalty");
        Copy(request, "frequency_penalty", options, "frequency_penalty");
        Copy(request, "max_tokens", options, "num_predict");
        Copy(request, "max_completion_tokens", options, "num_predict");
        if (request["stop"] is JsonNode stop)
        {
            options["stop"] = stop is JsonValue ? new JsonArray(stop.DeepClone()) : stop.DeepClone();
        }

        if (options.Count > 0)
        {
            chat["options"] = options;
        }

        return JsonSerializer.SerializeToUtf8Bytes(chat);
    }

    private static JsonArray Messages(JsonArray? messages)
    {
        var result = new JsonArray();
        foreach (var m in messages ?? [])
        {
            if (m is not JsonObject message)
            {
                continue;
            }

            var role = (string?)message["role"] ?? "user";
            var converted = new JsonObject { ["role"] = role == "developer" ? "system" : role };
            var images = new JsonArray();
            converted["content"] = Content(message["content"], images);
            if (images.Count > 0)
            {
                converted["images"] = images;
            }

            if (message["tool_calls"] is JsonArray calls)
            {
                var toolCalls = new JsonArray();
                foreach (var call in calls)
                {
                    var function = call?["function"];
                    var arguments = function?["arguments"];
                    toolCalls.Add(new JsonObject
                    {
                        ["function"] = new JsonObject
                        {
                            ["name"] = (string?)function?["name"],
                            ["arguments"] = arguments is JsonValue v && v.TryGetValue<string>(out var text) ? ParseArguments(text) : arguments?.DeepClone() ?? new JsonObject(),
                        },
                    });
                }

                converted["tool_calls"] = toolCalls;
            }

            if (role == "tool" && message["name"] is JsonNode name)
            {
                converted["tool_name"] = name.DeepClone();
            }

            result.Add(converted);
        }

        return result;
    }

    private static string Content(JsonNode? content, JsonArray images)
    {
        if (content is JsonValue value && value.TryGetValue<string>(out var text))
        {
            return text;
        }

        var parts = new List<string>();
        foreach (var part in content as JsonArray ?? [])
        {
            switch ((string?)part?["type"])
            {
                case "text":
                    parts.Add((string?)part?["text"] ?? string.Empty);
                    break;
                case "image_url":
                    var url = (string?)part?["image_url"]?["url"] ?? string.Empty;
                    var comma = url.IndexOf(',', StringComparison.Ordinal);
                    if (url.StartsWith("data:", StringComparison.Ordinal) && comma > 0)
                    {
                        images.Add(url[(comma + 1)..]);
                    }

                    break;
                default:
                    break;
            }
        }

        return string.Join("\n", parts);
    }

    private static JsonNode ParseArguments(string text)
    {
        try
        {
            return JsonNode.Parse(text) ?? new JsonObject();
        }
        catch (JsonException)
        {
            return new JsonObject();
        }
    }

    private static void Copy(JsonObject from, string name, JsonObject to, string target)
    {
        if (from[name] is JsonNode value && value.GetValueKind() != JsonValueKind.Null)
        {
            to[target] = value.DeepClone();
        }
    }
}
