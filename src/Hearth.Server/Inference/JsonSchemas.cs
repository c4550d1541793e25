using System.Text.Json.Nodes;
using Hearth.Engine.Sampling;
using Hearth.Server.Errors;

namespace Hearth.Server.Inference;

/// <summary>Structured output from a request's JSON schema, for both APIs.</summary>
internal static class JsonSchemas
{
    /// <summary>A constraint factory for <paramref name="schema"/>, compiled once here so that a schema the constraint
    /// cannot use is a 400 naming <paramref name="param"/> before anything is queued.</summary>
    public static Func<IJsonConstraint> Factory(JsonNode schema, string param)
    {
        try
        {
            _ = new JsonSchemaConstraint(schema);
        }
        catch (ArgumentException e)
        {
            throw ApiException.BadRequest($"'{param}' cannot be used: {e.Message}.", param);
        }

        var copy = schema.DeepClone();
        return () => new JsonSchemaConstraint(copy);
    }
}
