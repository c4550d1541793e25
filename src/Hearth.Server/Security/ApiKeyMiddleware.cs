using System.Security.Cryptography;
using System.Text;
using Hearth.Server.Errors;
using Microsoft.AspNetCore.Http;

namespace Hearth.Server.Security;

/// <summary>
/// With an API key configured, every API route (/v1/*, /api/*) requires <c>Authorization: Bearer KEY</c>.
/// The comparison is constant-time (CryptographicOperations.FixedTimeEquals over SHA-256 digests, so
/// neither content nor length leaks through timing). /health, /metrics, /openapi and the /chat page stay
/// open: the page asks for the key and sends it with its API calls.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, string apiKey)
{
    private readonly byte[] expected = SHA256.HashData(Encoding.UTF8.GetBytes(apiKey));

    public static bool IsApiRoute(PathString path) =>
        path.StartsWithSegments("/v1", StringComparison.Ordinal) || path.StartsWithSegments("/api", StringComparison.Ordinal);

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!IsApiRoute(context.Request.Path) || HttpMethods.IsOptions(context.Request.Method) || Authorized(context.Request.Headers.Authorization.ToString()))
        {
            return next(context);
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        return ErrorWriter.WriteAsync(context, new ApiError(401, "invalid_request_error", "invalid_api_key", null,
            "Missing or invalid API key: send 'Authorization: Bearer <key>'."));
    }

    private bool Authorized(string header)
    {
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }
}
