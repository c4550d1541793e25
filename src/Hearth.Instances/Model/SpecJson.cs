using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hearth.Instances.Model;

/// <summary>One JSON shape for specs everywhere (database, API, CLI): snake_case names, kebab-case enums.</summary>
public static class SpecJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        return options;
    }

    public static string Serialize(InstanceSpec spec) => JsonSerializer.Serialize(spec, Options);

    public static InstanceSpec Deserialize(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<InstanceSpec>(json, Options) ?? throw new InstanceSpecException("empty instance definition");
        }
        catch (JsonException ex)
        {
            throw new InstanceSpecException($"invalid instance definition: {ex.Message}");
        }
    }
}
