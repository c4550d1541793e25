using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Hearth.Server.Errors;

/// <summary>
/// Renders an <see cref="ApiError"/> in the caller's API flavour: OpenAI's
/// {"error":{"message","type","param","code"}} everywhere except the Ollama routes (/api/*), which use
/// Ollama's {"error":"message"}.
/// </summary>
internal static class ErrorWriter
{
    public static bool IsOllamaRoute(PathString path) => path.StartsWithSegments("/api", StringComparison.Ordinal);

    public static JsonObject Body(ApiError error, bool ollama) => ollama
        ? new JsonObject { ["error"] = error.Message }
        : new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = error.Message,
                ["type"] = error.Type,
                ["param"] = error.Param,
                ["code"] = error.Code,
            },
        };

    public static async Task WriteAsync(HttpContext context, ApiError error)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        response.Clear();
        response.StatusCode = error.Status;
        if (error.RetryAfterSeconds is int retry)
        {
            response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
        }

        response.ContentType = "application/json";
        await response.WriteAsync(Body(error, IsOllamaRoute(context.Request.Path)).ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The error as one JSON text, for streams whose headers are already sent.</summary>
    public static string InStream(ApiError error, bool ollama) => Body(error, ollama).ToJsonString(JsonSerializerOptions.Default);
}
