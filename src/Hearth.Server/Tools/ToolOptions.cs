using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Hearth.Engine.Sampling;
using Hearth.Server.Errors;

namespace Hearth.Server.Tools;

/// <summary>OpenAI's tool_choice: the model decides (<see cref="Auto"/>), must not call (<see cref="None"/>), must call
/// one or more (<see cref="Required"/>), or must call one named function (<see cref="Named"/>).</summary>
internal enum ToolChoiceMode
{
    Auto,
    None,
    Required,
    Named,
}

/// <summary>One function a request offers: its name, and its parameters' JSON schema (null = any object).</summary>
internal sealed record ToolFunction(string Name, JsonNode? Parameters);

/// <summary>
/// The tools of one request, validated: the definitions as the template receives them, the choice, and whether
/// several calls may come at once. Each function's parameter schema is compiled here, so one the constraint cannot
/// use is a 400 naming it before anything is queued (whether or not this request forces a call).
/// </summary>
internal sealed partial record ToolOptions(JsonArray Definitions, IReadOnlyList<ToolFunction> Functions, ToolChoiceMode Choice, string? Named, bool Parallel)
{
    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex FunctionName();

    /// <summary>The functions a forced call may use: the named one, or all.</summary>
    public IReadOnlyList<ToolFunction> Callable => Choice == ToolChoiceMode.Named ? Functions.Where(f => f.Name == Named).ToList() : Functions;

    /// <summary>A call must come (and is enforced by constrained sampling).</summary>
    public bool Forced => Choice is ToolChoiceMode.Required or ToolChoiceMode.Named;

    /// <summary>Reads OpenAI-style <c>tools</c>, <c>tool_choice</c> and <c>parallel_tool_calls</c> (Ollama sends only
    /// tools); null when the request has no tools. <paramref name="parallelDefault"/>: OpenAI's default is true.</summary>
    public static ToolOptions? From(JsonNode? tools, JsonNode? choice, bool? parallel, bool parallelDefault = true)
    {
        if (tools is null || tools is JsonArray { Count: 0 })
        {
            Check(choice is null || (choice is JsonValue v && v.TryGetValue<string>(out var s) && s is "none" or "auto"), "tool_choice", "requires tools");
            return null;
        }

        Check(tools is JsonArray, "tools", "must be an array");
        var functions = new List<ToolFunction>();
        var definitions = new JsonArray();
        var list = tools.AsArray();
        for (var i = 0; i < list.Count; i++)
        {
            var param = $"tools[{i}]";
            var tool = list[i] as JsonObject;
            Check(tool is not null, param, "must be an object");
            Check(tool!["type"] is null || (string?)tool["type"] == "function", param + ".type", "must be \"function\"");
            var function = tool["function"] as JsonObject;
            Check(function is not null, param + ".function", "is required");
            var name = function!["name"] is JsonValue n && n.TryGetValue<string>(out var text) ? text : null;
            Check(name is not null && FunctionName().IsMatch(name), param + ".function.name", "must be 1 to 64 letters, digits, '_', '.' or '-'");
            Check(functions.All(f => f.Name != name), param + ".function.name", $"repeats the name '{name}'");
            var parameters = function["parameters"];
            if (parameters is not null)
            {
                try
                {
                    _ = JsonSequencePart.Json(parameters);
                }
                catch (ArgumentException e)
                {
                    throw ApiException.BadRequest($"'{param}.function.parameters' cannot be used: {e.Message}.", param + ".function.parameters");
                }
            }

            functions.Add(new ToolFunction(name!, parameters?.DeepClone()));
            definitions.Add(new JsonObject { ["type"] = "function", ["function"] = function.DeepClone() });
        }

        var (mode, named) = ReadChoice(choice, functions);
        return new ToolOptions(definitions, functions, mode, named, parallel ?? parallelDefault);
    }

    private static (ToolChoiceMode, string?) ReadChoice(JsonNode? choice, List<ToolFunction> functions)
    {
        if (choice is null)
        {
            return (ToolChoiceMode.Auto, null);
        }

        if (choice is JsonValue value && value.TryGetValue<string>(out var word))
        {
            return word switch
            {
                "auto" => (ToolChoiceMode.Auto, null),
                "none" => (ToolChoiceMode.None, null),
                "required" => (ToolChoiceMode.Required, null),
                _ => throw ApiException.BadRequest("'tool_choice' must be none, auto, required or {\"type\": \"function\", \"function\": {\"name\": ...}}.", "tool_choice"),
            };
        }

        var name = choice["function"]?["name"] is JsonValue n && n.TryGetValue<string>(out var s) ? s : null;
        Check(name is not null, "tool_choice.function.name", "is required");
        Check(functions.Any(f => f.Name == name), "tool_choice.function.name", $"names '{name}', which is not among the tools");
        return (ToolChoiceMode.Named, name);
    }

    private static void Check(bool ok, string param, string message)
    {
        if (!ok)
        {
            throw ApiException.BadRequest($"'{param}' {message}.", param);
        }
    }
}
