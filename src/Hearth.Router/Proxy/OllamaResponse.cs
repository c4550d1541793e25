using System.Buffers;
using System.Text.Json;

namespace Hearth.Router.Proxy;

/// <summary>
/// Ollama <c>/api/chat</c> answers → OpenAI chat answers: a whole JSON response to a <c>chat.completion</c>, and an
/// NDJSON stream, line by line as it arrives, to SSE <c>chat.completion.chunk</c>s ending with a usage chunk and
/// <c>data: [DONE]</c>. Tool calls become OpenAI tool calls (arguments as JSON strings, generated ids).
/// </summary>
internal sealed class OllamaResponse(string model, string id, long created) : IAnswerTranslator
{
    private readonly ArrayBufferWriter<byte> line = new();
    private bool sentRole;
    private int toolIndex;

    public static OllamaResponse Create(string model, TimeProvider time) =>
        new(model, "chatcmpl-" + Guid.NewGuid().ToString("N")[..24], time.GetUtcNow().ToUnixTimeSeconds());

    /// <summary>Feeds stream bytes; complete lines are written to <paramref name="output"/> as SSE events.</summary>
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
            if (line.WrittenCount > 0)
            {
                StreamLine(line.WrittenSpan, output);
            }

            line.ResetWrittenCount();
        }
    }

    /// <summary>The stream ended: a last line without newline is still converted.</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        if (line.WrittenCount > 0)
        {
            StreamLine(line.WrittenSpan, output);
            line.ResetWrittenCount();
        }
    }

    /// <summary>A whole non-streamed Ollama answer as an OpenAI chat.completion.</summary>
    public byte[] Whole(ReadOnlySpan<byte> ollama)
    {
        using var doc = JsonDocument.Parse(ollama.ToArray());
        var root = doc.RootElement;
        var output = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            Header(w, "chat.completion");
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("message");
            w.WriteString("role", "assistant");
            var message = root.TryGetProperty("message", out var m) ? m : default;
            w.WriteString("content", message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out var c) ? c.GetString() : string.Empty);
            var hasTools = WriteToolCalls(w, message, streaming: false);
            w.WriteEndObject();
            w.WriteString("finish_reason", FinishReason(root, hasTools));
            w.WriteEndObject();
            w.WriteEndArray();
            WriteUsage(w, root);
            w.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    private void StreamLine(ReadOnlySpan<byte> text, IBufferWriter<byte> output)
    {
        using var doc = JsonDocument.Parse(text.ToArray());
        var root = doc.RootElement;
        if (root.TryGetProperty("error", out var error))
        {
            Event(output, w =>
            {
                w.WriteStartObject();
                w.WriteStartObject("error");
                w.WriteString("message", error.ValueKind == JsonValueKind.String ? error.GetString() : error.GetRawText());
                w.WriteString("type", "server_error");
                w.WriteEndObject();
                w.WriteEndObject();
            });
            return;
        }

        var done = root.TryGetProperty("done", out var d) && d.ValueKind == JsonValueKind.True;
        var message = root.TryGetProperty("message", out var m) ? m : default;
        var content = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out var c) ? c.GetString() : null;
        var hasToolCalls = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("tool_calls", out var t) && t.ValueKind == JsonValueKind.Array && t.GetArrayLength() > 0;
        if (!string.IsNullOrEmpty(content) || hasToolCalls || !sentRole)
        {
            Event(output, w =>
            {
                w.WriteStartObject();
                Header(w, "chat.completion.chunk");
                w.WriteStartArray("choices");
                w.WriteStartObject();
                w.WriteNumber("index", 0);
                w.WriteStartObject("delta");
                if (!sentRole)
                {
                    w.WriteString("role", "assistant");
                }

                if (!string.IsNullOrEmpty(content) || !sentRole)
                {
                    w.WriteString("content", content ?? string.Empty);
                }

                WriteToolCalls(w, message, streaming: true);
                w.WriteEndObject();
                w.WriteNull("finish_reason");
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
            });
            sentRole = true;
        }

        if (!done)
        {
            return;
        }

        Event(output, w =>
        {
            w.WriteStartObject();
            Header(w, "chat.completion.chunk");
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("delta");
            w.WriteEndObject();
            w.WriteString("finish_reason", FinishReason(root, toolIndex > 0));
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
        Event(output, w =>
        {
            w.WriteStartObject();
            Header(w, "chat.completion.chunk");
            w.WriteStartArray("choices");
            w.WriteEndArray();
            WriteUsage(w, root);
            w.WriteEndObject();
        });
        output.Write("data: [DONE]\n\n"u8);
    }

    private void Header(Utf8JsonWriter w, string type)
    {
        w.WriteString("id", id);
        w.WriteString("object", type);
        w.WriteNumber("created", created);
        w.WriteString("model", model);
    }

    private bool WriteToolCalls(Utf8JsonWriter w, JsonElement message, bool streaming)
    {
        if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("tool_calls", out var calls) || calls.ValueKind != JsonValueKind.Array || calls.GetArrayLength() == 0)
        {
            return false;
        }

        w.WriteStartArray("tool_calls");
        foreach (var call in calls.EnumerateArray())
        {
            var function = call.TryGetProperty("function", out var f) ? f : default;
            w.WriteStartObject();
            if (streaming)
            {
                w.WriteNumber("index", toolIndex);
            }

            w.WriteString("id", $"call_{id[^8..]}_{toolIndex++}");
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", function.ValueKind == JsonValueKind.Object && function.TryGetProperty("name", out var n) ? n.GetString() : string.Empty);
            w.WriteString("arguments", function.ValueKind == JsonValueKind.Object && function.TryGetProperty("arguments", out var a)
                ? (a.ValueKind == JsonValueKind.String ? a.GetString() : a.GetRawText()) : "{}");
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        return true;
    }

    private static string FinishReason(JsonElement root, bool toolCalls) =>
        toolCalls ? "tool_calls"
        : root.TryGetProperty("done_reason", out var r) && r.GetString() == "length" ? "length" : "stop";

    private static void WriteUsage(Utf8JsonWriter w, JsonElement root)
    {
        var prompt = root.TryGetProperty("prompt_eval_count", out var p) && p.TryGetInt64(out var pv) ? pv : 0;
        var completion = root.TryGetProperty("eval_count", out var e) && e.TryGetInt64(out var ev) ? ev : 0;
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", prompt);
        w.WriteNumber("completion_tokens", completion);
        w.WriteNumber("total_tokens", prompt + completion);
        w.WriteEndObject();
    }

    private static void Event(IBufferWriter<byte> output, Action<Utf8JsonWriter> write)
    {
        output.Write("data: "u8);
        using (var w = new Utf8JsonWriter(output))
        {
            write(w);
        }

        output.Write("\n\n"u8);
    }
}
