using System.Buffers.Text;
using System.Text.Json;

namespace Hearth.Router.Proxy;

/// <summary>
/// Finds the tokens a response used in its last bytes: OpenAI's <c>usage</c> object (the whole JSON answer, or the
/// final SSE chunk of a stream with include_usage), or Ollama's <c>prompt_eval_count</c> + <c>eval_count</c> on its final line.
/// </summary>
internal static class UsageParser
{
    public static long? Tokens(ReadOnlySpan<byte> tail)
    {
        var at = tail.LastIndexOf("\"usage\""u8);
        if (at >= 0 && OpenAIUsage(tail[(at + 7)..]) is { } tokens)
        {
            return tokens;
        }

        var prompt = NumberAfter(tail, "\"prompt_eval_count\""u8);
        var completion = NumberAfter(tail, "\"eval_count\""u8);
        return prompt is null && completion is null ? null : (prompt ?? 0) + (completion ?? 0);
    }

    private static long? OpenAIUsage(ReadOnlySpan<byte> afterName)
    {
        var value = afterName.TrimStart(" \t\r\n"u8);
        if (value.IsEmpty || value[0] != (byte)':')
        {
            return null;
        }

        value = value[1..].TrimStart(" \t\r\n"u8);
        if (value.IsEmpty || value[0] != (byte)'{')
        {
            return null; // "usage": null on an intermediate chunk
        }

        try
        {
            var reader = new Utf8JsonReader(value, isFinalBlock: false, state: default);
            long prompt = 0, completion = 0;
            long? total = null;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0)
                {
                    return total ?? (prompt + completion);
                }

                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                var name = reader.ValueSpan.ToArray();
                if (!reader.Read())
                {
                    return null;
                }

                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var v))
                {
                    if (name.AsSpan().SequenceEqual("prompt_tokens"u8))
                    {
                        prompt = v;
                    }
                    else if (name.AsSpan().SequenceEqual("completion_tokens"u8))
                    {
                        completion = v;
                    }
                    else if (name.AsSpan().SequenceEqual("total_tokens"u8))
                    {
                        total = v;
                    }
                }
                else if (!reader.TrySkip())
                {
                    return null;
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;
    }

    private static long? NumberAfter(ReadOnlySpan<byte> text, ReadOnlySpan<byte> name)
    {
        var at = text.LastIndexOf(name);
        if (at < 0)
        {
            return null;
        }

        var rest = text[(at + name.Length)..].TrimStart(" :\t"u8);
        return Utf8Parser.TryParse(rest, out long value, out _) ? value : null;
    }
}
