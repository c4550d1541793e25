using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hearth.Server.Tools;

/// <summary>A tool call read from generated text: the function's name and its arguments as JSON text (while
/// streaming, the arguments generated so far). <see cref="Id"/> is the model's own id where the format has one.</summary>
internal sealed record ParsedToolCall(string Name, string Arguments, string? Id = null);

/// <summary>What a format's parser made of the text: plain content, and the calls in order.
/// <see cref="Malformed"/>: the text announced a call that is not valid, so all of it is content.</summary>
internal sealed record ToolParse(string Content, IReadOnlyList<ParsedToolCall> Calls, bool Malformed = false)
{
    public static ToolParse Text(string text) => new(text, []);

    /// <summary>The end of a parse that met invalid text: while streaming, what was read before it (the rest waits,
    /// it may yet make sense); at the end, the whole text as content.</summary>
    public static ToolParse Invalid(string text, bool partial, string contentSoFar, IReadOnlyList<ParsedToolCall> callsSoFar) =>
        partial ? new ToolParse(contentSoFar, callsSoFar) : new ToolParse(text, [], Malformed: true);
}

/// <summary>Helpers the format parsers share.</summary>
internal static class ToolText
{
    /// <summary><paramref name="text"/> without a trailing part that could be the start of <paramref name="marker"/>
    /// (held back while streaming, so no marker text leaks into content).</summary>
    public static string HoldBack(string text, string marker, bool partial)
    {
        if (!partial)
        {
            return text;
        }

        for (var n = Math.Min(marker.Length - 1, text.Length); n > 0; n--)
        {
            if (text.AsSpan(text.Length - n).SequenceEqual(marker.AsSpan(0, n)))
            {
                return text[..^n];
            }
        }

        return text;
    }

    /// <summary>
    /// Reads one call object's name (under one of <paramref name="nameKeys"/>) and arguments (under one of
    /// <paramref name="argumentKeys"/>: an object written inline, or a string holding JSON). Null while the name is
    /// not complete; when <paramref name="complete"/> is asked, null unless both are complete and valid.
    /// </summary>
    public static ParsedToolCall? ReadCall(string s, PartialObject obj, string[] nameKeys, string[] argumentKeys, bool complete)
    {
        if (obj.Find(nameKeys) is not { ValueEnd: > 0 } name || s[name.ValueStart] != '"')
        {
            return null;
        }

        var functionName = JsonSerializer.Deserialize<string>(s.AsSpan(name.ValueStart, name.ValueEnd - name.ValueStart))!;
        var id = obj.Find("id") is { ValueEnd: > 0 } idMember && s[idMember.ValueStart] == '"'
            ? JsonSerializer.Deserialize<string>(s.AsSpan(idMember.ValueStart, idMember.ValueEnd - idMember.ValueStart))
            : null;
        string arguments;
        if (obj.Find(argumentKeys) is not { } args)
        {
            // A closed call without arguments takes none.
            arguments = obj.Closed ? "{}" : string.Empty;
        }
        else if (args.ValueEnd < 0)
        {
            arguments = args.ValueStart < s.Length && s[args.ValueStart] != '"' ? s[args.ValueStart..] : string.Empty;
        }
        else
        {
            arguments = s[args.ValueStart..args.ValueEnd];
            if (arguments.StartsWith('"'))
            {
                arguments = JsonSerializer.Deserialize<string>(arguments)!;
            }
        }

        if (complete && (!obj.Closed || !IsObject(arguments)))
        {
            return null;
        }

        return new ParsedToolCall(functionName, arguments, id);
    }

    public static bool IsObject(string json)
    {
        try
        {
            return JsonNode.Parse(json) is JsonObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Calls of an array of call objects (Mistral, Firefunction, Command-R); null when it is invalid.</summary>
    public static List<ParsedToolCall>? ReadCallArray(string s, int start, string[] nameKeys, string[] argumentKeys, bool partial, out int end)
    {
        end = -1;
        if (PartialJson.ReadObjectArray(s, start) is not { } array)
        {
            return null;
        }

        end = array.End;
        var calls = new List<ParsedToolCall>();
        foreach (var item in array.Items)
        {
            var call = ReadCall(s, item, nameKeys, argumentKeys, complete: item.Closed);
            if (call is null)
            {
                if (item.Closed || !partial)
                {
                    return null;
                }

                break;
            }

            calls.Add(call);
        }

        return !partial && end < 0 ? null : calls;
    }
}
