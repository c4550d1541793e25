using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Hearth.Router.Proxy;

/// <summary>Errors the router answers itself, in the caller's flavour: OpenAI's <c>{"error":{message,type,param,code}}</c>,
/// Ollama's <c>{"error":"..."}</c> on /api/*. Always with <c>x-hearth-backend: router</c>.</summary>
internal static class RouterErrors
{
    public const string RouterBackend = "router";

    public static bool IsOllamaPath(PathString path) => path.StartsWithSegments("/api", StringComparison.Ordinal);

    public static Task WriteAsync(HttpContext context, int status, string type, string? code, string? param, string message, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        response.StatusCode = status;
        response.Headers["x-hearth-backend"] = RouterBackend;
        if (retryAfter is { } wait)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        response.ContentType = "application/json";
        return response.Body.WriteAsync(Body(IsOllamaPath(context.Request.Path), type, code, param, message), context.RequestAborted).AsTask();
    }

    public static byte[] Body(bool ollama, string type, string? code, string? param, string message)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (ollama)
            {
                w.WriteString("error", message);
            }
            else
            {
                w.WriteStartObject("error");
                w.WriteString("message", message);
                w.WriteString("type", type);
                Nullable(w, "param", param);
                Nullable(w, "code", code);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void Nullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}
