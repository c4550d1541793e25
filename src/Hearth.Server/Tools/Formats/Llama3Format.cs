using Hearth.Engine.Sampling;

namespace Hearth.Server.Tools;

/// <summary>
/// Llama 3.1 / 3.2 / 3.3 with custom tools: the whole answer is one JSON object
/// <c>{"name": "f", "parameters": {...}}</c> (optionally after <c>&lt;|python_tag|&gt;</c>, which Llama 3.1 writes
/// before calls; several separated by <c>;</c>). An answer that only starts like an object is held back while
/// streaming until its first key shows whether it is a call.
/// </summary>
internal sealed class Llama3Format : ToolCallFormat
{
    private const string PythonTag = "<|python_tag|>";
    private static readonly string[] NameKeys = ["name"];
    private static readonly string[] ArgumentKeys = ["parameters", "arguments"];

    public override string Name => "llama3";

    public override bool NeedsSpecialText => true;

    public override ToolParse Parse(string text, bool partial)
    {
        var tag = text.IndexOf(PythonTag, StringComparison.Ordinal);
        if (tag >= 0)
        {
            return Calls(text, text[..tag], tag + PythonTag.Length, partial) is { } tagged ? tagged : ToolParse.Invalid(text, partial, text[..tag], []);
        }

        var start = PartialJson.SkipWhitespace(text, 0);
        if (start == text.Length || text[start] != '{')
        {
            return ToolParse.Text(ToolText.HoldBack(text, PythonTag, partial));
        }

        var obj = PartialJson.ReadObject(text, start);
        if (obj is null || (obj.Members.Count > 0 && obj.Members[0].Key is not ("name" or "type")) || (obj.Closed && obj.Find(NameKeys) is null))
        {
            return ToolParse.Text(text);
        }

        return Calls(text, string.Empty, start, partial) ?? (partial ? new ToolParse(string.Empty, []) : ToolParse.Text(text));
    }

    /// <summary>Call objects from <paramref name="start"/> to the end, separated by whitespace or <c>;</c>.</summary>
    private static ToolParse? Calls(string text, string content, int start, bool partial)
    {
        var calls = new List<ParsedToolCall>();
        var pos = start;
        while (true)
        {
            pos = PartialJson.SkipWhitespace(text, pos);
            if (pos == text.Length)
            {
                return calls.Count > 0 || partial ? new ToolParse(content, calls) : null;
            }

            var obj = PartialJson.ReadObject(text, pos);
            if (obj is null)
            {
                return null;
            }

            var call = ToolText.ReadCall(text, obj, NameKeys, ArgumentKeys, complete: obj.Closed);
            if (!obj.Closed)
            {
                return partial ? new ToolParse(content, call is null ? calls : [.. calls, call]) : null;
            }

            if (call is null)
            {
                return null;
            }

            calls.Add(call);
            pos = PartialJson.SkipWhitespace(text, obj.End);
            if (pos < text.Length && text[pos] == ';')
            {
                pos++;
            }
        }
    }

    public override ForcedCall Force(ToolOptions tools)
    {
        // The format holds one call per answer; parallel calls are not part of it.
        var call = CallSchemas.Calls(tools.Callable, "name", "parameters", "#");
        return new ForcedCall(string.Empty, () => new JsonSequenceConstraint([JsonSequencePart.Json(call)]));
    }
}
