using System.Text;
using System.Text.Json;

namespace Hearth.Router.Proxy;

/// <summary>
/// Reads the top-level fields routing needs with a forward-only <see cref="Utf8JsonReader"/> over the body bytes;
/// everything else is skipped unread. The body itself is forwarded as it came.
/// </summary>
internal static class RequestInspector
{
    public static bool TryInspect(ReadOnlySpan<byte> body, bool streamDefault, int prefixChars, out RequestInfo info, out RequestProblem problem)
    {
        info = default;
        problem = default;
        string? model = null;
        int modelStart = 0, modelLength = 0;
        bool stream = streamDefault;
        string? user = null;
        var streamOptions = false;
        StringBuilder? prefix = prefixChars > 0 ? new StringBuilder() : null;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = new RequestProblem("The request body must be a JSON object.", null);
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                reader.Read();
                if (name.SequenceEqual("model"u8))
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        problem = new RequestProblem("'model' must be a string.", "model");
                        return false;
                    }

                    model = reader.GetString();
                    modelStart = (int)reader.TokenStartIndex;
                    modelLength = (int)(reader.BytesConsumed - reader.TokenStartIndex);
                }
                else if (name.SequenceEqual("stream"u8))
                {
                    if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null))
                    {
                        problem = new RequestProblem("'stream' must be a boolean.", "stream");
                        return false;
                    }

                    stream = reader.TokenType == JsonTokenType.Null ? streamDefault : reader.GetBoolean();
                }
                else if (name.SequenceEqual("stream_options"u8))
                {
                    streamOptions = true;
                    reader.Skip();
                }
                else if (name.SequenceEqual("user"u8) && reader.TokenType == JsonTokenType.String)
                {
                    user = reader.GetString();
                }
                else if (prefix is not null && prefix.Length < prefixChars
                    && (name.SequenceEqual("messages"u8) || name.SequenceEqual("prompt"u8) || name.SequenceEqual("system"u8)))
                {
                    CollectText(ref reader, prefix, prefixChars);
                }
                else
                {
                    reader.Skip();
                }
            }

            // Reading to the end validates the rest of the document: malformed JSON anywhere is a 400 here, not upstream.
            while (reader.Read())
            {
            }
        }
        catch (JsonException e)
        {
            problem = new RequestProblem($"The request body is not valid JSON: {e.Message}", null);
            return false;
        }

        if (string.IsNullOrEmpty(model))
        {
            problem = new RequestProblem("You must provide a model parameter.", "model");
            return false;
        }

        info = new RequestInfo(model, modelStart, modelLength, stream, user, prefix?.Length > 0 ? prefix.ToString() : null, streamOptions);
        return true;
    }

    /// <summary>Appends every string under the current value (message contents, prompt text) until the prefix is long enough.</summary>
    private static void CollectText(ref Utf8JsonReader reader, StringBuilder prefix, int limit)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            Append(reader.GetString(), prefix, limit);
            return;
        }

        if (reader.TokenType is not (JsonTokenType.StartArray or JsonTokenType.StartObject))
        {
            return;
        }

        var depth = reader.CurrentDepth;
        var lastProperty = ReadOnlySpan<byte>.Empty;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                lastProperty = reader.ValueSpan;
            }
            else if (reader.TokenType == JsonTokenType.String && prefix.Length < limit
                && (lastProperty.SequenceEqual("content"u8) || lastProperty.SequenceEqual("text"u8) || lastProperty.SequenceEqual("role"u8) || lastProperty.IsEmpty))
            {
                Append(reader.GetString(), prefix, limit);
            }
        }
    }

    private static void Append(string? text, StringBuilder prefix, int limit)
    {
        if (text is null)
        {
            return;
        }

        prefix.Append(text.AsSpan(0, Math.Min(text.Length, limit - prefix.Length))).Append('\n');
    }
}
