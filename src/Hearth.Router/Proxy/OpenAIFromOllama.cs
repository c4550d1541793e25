using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hearth.Router.Proxy;

/// <summary>
/// The other direction, for Ollama clients in front of an <c>openai</c> backend that does not speak /api/* itself
/// (<c>ollama_api: false</c>, e.g. vLLM): /api/chat → /v1/chat/completions and /api/generate → /v1/completions, and the
/// answers (a whole JSON, or SSE event by event) back to Ollama's JSON and NDJSON, usage and tool calls included.
/// </summary>
internal sealed class OpenAIFromOllama(string model, bool chat, TimeProvider time) : IAnswerTranslator
{
    private readonly ArrayBufferWriter<byte> line = new();
    private readonly SortedDictionary<int, (string Name, System.Text.StringBuilder Arguments)> tools = [];
    private string doneReason = "stop";
    private long prompt;
    private long completion;
    private bool finished;

    public static byte[] Request(ReadOnlySpan<byte> body, string backendModel, bool chat, bool stream)
    {
        var ollama = JsonNode.Parse(body)!.AsObject();
        var request = new JsonObject { ["model"] = backendModel, ["stream"] = stream };
        if (stream)
        {
            request["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        if (chat)
        {
            var messages = new JsonArray();
            var call = 0;
            foreach (var m in ollama["messages"] as JsonArray ?? [])
            {
                var role = (string?)m?["role"] ?? "user";
                var message = new JsonObject { ["role"] = role };
                var text = (string?)m?["content"] ?? string.Empty;
                if (m?["images"] is JsonArray images && images.Count > 0)
                {
                    var parts = new JsonArray { new JsonObject { ["type"] = "text", ["text"] = text } };
                    foreach (var image in images)
                    {
                        parts.Add(new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = "data:image/png;base64," + (string?)image } });
                    }

                    message["content"] = parts;
                }
                else
                {
                    message["content"] = text;
                }

                if (m?["tool_calls"] is JsonArray calls)
                {
                    message["tool_calls"] = new JsonArray([.. calls.Select(c => (JsonNode)new JsonObject
                    {
                        ["id"] = "call_" + call++.ToString(CultureInfo.InvariantCulture),
                        ["type"] = "function",
                        ["function"] = new JsonObject
                        {
                            ["name"] = (string?)c?["function"]?["name"],
                            ["arguments"] = c?["function"]?["arguments"]?.ToJsonString() ?? "{}",
                        },
                    })]);
                }

                if (role == "tool")
                {
                    message["tool_call_id"] = "call_" + Math.Max(0, call - 1).ToString(CultureInfo.InvariantCulture);
                }

                messages.Add(message);
            }

            request["messages"] = messages;
            if (ollama["tools"] is JsonArray t)
            {
                request["tools"] = t.DeepClone();
            }
        }
        else
        {
            var system = (string?)ollama["system"];
            request["prompt"] = string.IsNullOrEmpty(system) ? (string?)ollama["prompt"] ?? string.Empty : system + "\n\n" + (string?)ollama["prompt"];
        }

        if (ollama["format"] is JsonNode format)
        {
            request["response_format"] = format is JsonValue
                ? new JsonObject { ["type"] = "json_object" }
                : new JsonObject { ["type"] = "json_schema", ["json_schema"] = new JsonObject { ["name"] = "schema", ["schema"] = format.DeepClone() } };
        }

        if (ollama["options"] is JsonObject options)
        {
            foreach (var (from, to) in (ReadOnlySpan<(string, string)>)[("temperature", "temperature"), ("top_p", "top_p"), ("seed", "seed"),
                ("num_predict", "max_tokens"), ("stop", "stop"), ("presence_penalty", "presence_penalty"), ("frequency_penalty", "frequency_penalty")])
            {
                if (options[from] is JsonNode value)
                {
                    request[to] = value.DeepClone();
                }
            }
        }

        return JsonSerializer.SerializeToUtf8Bytes(request);
    }

    /// <summary>SSE bytes in, NDJSON lines out (as complete events arrive).</summary>
    public void Stream(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output)
    {
        while (!chunk.IsEmpty)
        {
            var nl = chunk.IndexOf((byte)'\n');
            if (nl < 0)
            {
                line.Write(chunk);
                return;
            }

            line.Write(chunk[..nl]);
            chunk = chunk[(nl + 1)..];
            Event(line.WrittenSpan.TrimEnd((byte)'\r'), output);
            line.ResetWrittenCount();
        }
    }

    public void Complete(IBufferWriter<byte> output)
    {
        if (line.WrittenCount > 0)
        {
            Event(line.WrittenSpan, output);
            line.ResetWrittenCount();
        }

        Done(output);
    }

    /// <summary>A whole OpenAI answer as one Ollama JSON answer.</summary>
    public byte[] Whole(ReadOnlySpan<byte> openai)
    {
        using var doc = JsonDocument.Parse(openai.ToArray());
        var root = doc.RootElement;
        Usage(root);
        var choice = root.GetProperty("choices")[0];
        Finish(choice);
        var output = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            Header(w);
            if (chat)
            {
                var message = choice.GetProperty("message");
                w.WriteStartObject("message");
                w.WriteString("role", "assistant");
                w.WriteString("content", message.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : string.Empty);
                if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                {
                    foreach (var call in calls.EnumerateArray())
                    {
                        var f = call.GetProperty("function");
                        tools[tools.Count] = (f.GetProperty("name").GetString() ?? string.Empty, new System.Text.StringBuilder(f.GetProperty("arguments").GetString()));
                    }

                    WriteTools(w);
                }

                w.WriteEndObject();
            }
            else
            {
                w.WriteString("response", choice.TryGetProperty("text", out var t) ? t.GetString() : string.Empty);
            }

            Tail(w);
            w.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    private void Event(ReadOnlySpan<byte> text, IBufferWriter<byte> output)
    {
        if (!text.StartsWith("data:"u8))
        {
            return;
        }

        var data = text[5..].Trim((byte)' ');
        if (data.SequenceEqual("[DONE]"u8))
        {
            Done(output);
            return;
        }

        using var doc = JsonDocument.Parse(data.ToArray());
        var root = doc.RootElement;
        Usage(root);
        if (!root.TryGetProperty("choices", out var choices) || choices.GetArrayLength() == 0)
        {
            return;
        }

        var choice = choices[0];
        Finish(choice);
        string? content = null;
        if (chat && choice.TryGetProperty("delta", out var delta))
        {
            content = delta.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in calls.EnumerateArray())
                {
                    var index = call.TryGetProperty("index", out var i) ? i.GetInt32() : tools.Count;
                    if (!tools.TryGetValue(index, out var entry))
                    {
                        entry = (string.Empty, new System.Text.StringBuilder());
                    }

                    var f = call.TryGetProperty("function", out var fn) ? fn : default;
                    var name = f.ValueKind == JsonValueKind.Object && f.TryGetProperty("name", out var n) ? n.GetString() : null;
                    var args = f.ValueKind == JsonValueKind.Object && f.TryGetProperty("arguments", out var a) ? a.GetString() : null;
                    tools[index] = (string.IsNullOrEmpty(name) ? entry.Name : name, entry.Arguments.Append(args));
                }
            }
        }
        else if (!chat)
        {
            content = choice.TryGetProperty("text", out var t) ? t.GetString() : null;
        }

        if (string.IsNullOrEmpty(content))
        {
            return;
        }

        Line(output, w =>
        {
            Header(w);
            if (chat)
            {
                w.WriteStartObject("message");
                w.WriteString("role", "assistant");
                w.WriteString("content", content);
                w.WriteEndObject();
            }
            else
            {
                w.WriteString("response", content);
            }

            w.WriteBoolean("done", false);
        });
    }

    private void Done(IBufferWriter<byte> output)
    {
        if (finished)
        {
            return;
        }

        finished = true;
        Line(output, w =>
        {
            Header(w);
            if (chat)
            {
                w.WriteStartObject("message");
                w.WriteString("role", "assistant");
                w.WriteString("content", string.Empty);
                WriteTools(w);
                w.WriteEndObject();
            }
            else
            {
                w.WriteString("response", string.Empty);
            }

            Tail(w);
        });
    }

    private void WriteTools(Utf8JsonWriter w)
    {
        if (tools.Count == 0)
        {
            return;
        }

        w.WriteStartArray("tool_calls");
        foreach (var (name, arguments) in tools.Values)
        {
            w.WriteStartObject();
            w.WriteStartObject("function");
            w.WriteString("name", name);
            w.WritePropertyName("arguments");
            try
            {
                using var parsed = JsonDocument.Parse(arguments.Length == 0 ? "{}" : arguments.ToString());
                parsed.RootElement.WriteTo(w);
            }
            catch (JsonException)
            {
                w.WriteStartObject();
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private void Header(Utf8JsonWriter w)
    {
        w.WriteString("model", model);
        w.WriteString("created_at", time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
    }

    private void Tail(Utf8JsonWriter w)
    {
        w.WriteBoolean("done", true);
        w.WriteString("done_reason", doneReason);
        w.WriteNumber("prompt_eval_count", prompt);
        w.WriteNumber("eval_count", completion);
    }

    private void Usage(JsonElement root)
    {
        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            prompt = usage.TryGetProperty("prompt_tokens", out var p) ? p.GetInt64() : prompt;
            completion = usage.TryGetProperty("completion_tokens", out var c) ? c.GetInt64() : completion;
        }
    }

    private void Finish(JsonElement choice)
    {
        if (choice.TryGetProperty("finish_reason", out var reason) && reason.ValueKind == JsonValueKind.String)
        {
            doneReason = reason.GetString() == "length" ? "length" : "stop";
        }
    }

    private static void Line(IBufferWriter<byte> output, Action<Utf8JsonWriter> write)
    {
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            write(w);
            w.WriteEndObject();
        }

        output.Write("\n"u8);
    }
}
