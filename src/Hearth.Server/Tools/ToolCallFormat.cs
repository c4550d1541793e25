using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Hearth.Engine.Sampling;

namespace Hearth.Server.Tools;

/// <summary>A forced call: text appended to the prompt (the envelope's opening, so control-token markers need not be
/// sampled) and the constraint the rest of the output must satisfy.</summary>
internal sealed record ForcedCall(string PromptSuffix, Func<IJsonConstraint> Constraint);

/// <summary>
/// How one family of chat templates writes tool calls: the parser that reads them back from generated text (also a
/// prefix of it, while streaming) and the envelope a forced call is constrained to. <see cref="Detect"/> picks one from
/// the template's source, as llama.cpp's chat-format detection does.
/// </summary>
internal abstract class ToolCallFormat
{
    public abstract string Name { get; }

    /// <summary>Markers written as control tokens in real vocabularies must reach the parser as text.</summary>
    public virtual bool NeedsSpecialText => false;

    /// <summary>The template has no tool support: tools go into a system message (<see cref="GenericFormat"/>).</summary>
    public virtual bool DescribesToolsItself => true;

    /// <summary>Template variables this family's template reads besides <c>tools</c>.</summary>
    public virtual IReadOnlyDictionary<string, JsonNode?> Variables(ToolOptions tools, TimeProvider time) => new Dictionary<string, JsonNode?>();

    /// <summary>Splits <paramref name="text"/> into content and calls; never throws. <paramref name="partial"/>: the
    /// text may still grow (streaming), so a possible marker at its end is held back and the last call may be open.</summary>
    public abstract ToolParse Parse(string text, bool partial);

    /// <summary>The envelope for a forced call of one of <see cref="ToolOptions.Callable"/>.</summary>
    public abstract ForcedCall Force(ToolOptions tools);

    /// <summary>A new call id (OpenAI's shape); Mistral's template wants exactly nine characters.</summary>
    public virtual string NewCallId() => "call_" + RandomAlphanumeric(24);

    protected static string RandomAlphanumeric(int length) =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", length);

    /// <summary>The format a template writes tool calls in (checked in this order: the markers are distinctive).</summary>
    public static ToolCallFormat Detect(string? templateSource, IReadOnlyList<ToolFunction> functions)
    {
        var src = templateSource ?? string.Empty;
        if (src.Contains(">>>all", StringComparison.Ordinal))
        {
            return new FunctionaryFormat(functions);
        }

        if (src.Contains(" functools[", StringComparison.Ordinal))
        {
            return new FirefunctionFormat();
        }

        if (src.Contains("<|START_OF_TURN_TOKEN|>", StringComparison.Ordinal) && src.Contains("Action:", StringComparison.Ordinal))
        {
            return new CommandRFormat();
        }

        if (src.Contains("[TOOL_CALLS]", StringComparison.Ordinal))
        {
            return new MistralFormat();
        }

        if (src.Contains("<tool_call>", StringComparison.Ordinal))
        {
            return new HermesFormat();
        }

        if (src.Contains("<|start_header_id|>", StringComparison.Ordinal) && src.Contains("ipython", StringComparison.Ordinal))
        {
            return new Llama3Format();
        }

        return new GenericFormat(describesTools: src.Contains("tools", StringComparison.Ordinal));
    }
}

/// <summary>JSON schemas of call envelopes built from the functions' parameter schemas.</summary>
internal static class CallSchemas
{
    /// <summary>One call object <c>{nameKey: "f", argumentsKey: {...}}</c> for each function, as anyOf (a single
    /// function needs none); <paramref name="path"/> is where this schema sits in the whole envelope, so the
    /// parameters' own <c>#/$defs/...</c> references are rebased to keep pointing at them.</summary>
    public static JsonObject Calls(IReadOnlyList<ToolFunction> functions, string nameKey, string argumentsKey, string path)
    {
        if (functions.Count == 1)
        {
            return Call(functions[0], nameKey, argumentsKey, path);
        }

        var options = new JsonArray();
        for (var i = 0; i < functions.Count; i++)
        {
            options.Add(Call(functions[i], nameKey, argumentsKey, $"{path}/anyOf/{i}"));
        }

        return new JsonObject { ["anyOf"] = options };
    }

    public static JsonObject Call(ToolFunction function, string nameKey, string argumentsKey, string path) => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            [nameKey] = new JsonObject { ["const"] = function.Name },
            [argumentsKey] = Parameters(function, $"{path}/properties/{argumentsKey}"),
        },
        ["required"] = new JsonArray(nameKey, argumentsKey),
    };

    /// <summary>A function's parameters schema placed at <paramref name="path"/> (refs rebased); any object if none.</summary>
    public static JsonNode Parameters(ToolFunction function, string path)
    {
        var schema = function.Parameters?.DeepClone() ?? new JsonObject { ["type"] = "object" };
        Rebase(schema, path);
        return schema;
    }

    public static JsonObject Array(JsonNode items, bool parallel)
    {
        var array = new JsonObject { ["type"] = "array", ["items"] = items, ["minItems"] = 1 };
        if (!parallel)
        {
            array["maxItems"] = 1;
        }

        return array;
    }

    private static void Rebase(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["$ref"] is JsonValue r && r.TryGetValue<string>(out var target) && target.StartsWith('#'))
                {
                    obj["$ref"] = path + target[1..];
                }

                foreach (var (_, child) in obj.ToList())
                {
                    Rebase(child, path);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Rebase(child, path);
                }

                break;
        }
    }
}
