using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hearth.Server.Json;

/// <summary>
/// JSON settings shared by both APIs: snake_case names (OpenAI and Ollama both use them), nulls left
/// out, unknown request fields ignored (clients send fields we do not use), numbers strictly typed
/// so a string where a number belongs is a 400 naming the field.
/// </summary>
internal static class ApiJson
{
    public static readonly JsonSerializerOptions Options = Create();

    public static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.Strict,
            PropertyNameCaseInsensitive = false,
            AllowTrailingCommas = false,
            ReadCommentHandling = JsonCommentHandling.Disallow,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
