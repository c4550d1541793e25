using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Hearth.Router.Access;

/// <summary>
/// Turns a <see cref="GateDecision"/> into HTTP for the proxy: the refusal (401/403/429 with OpenAI's
/// error JSON, or Ollama's <c>{"error": "..."}</c> on <c>/api/*</c>) and the rate-limit headers
/// (<c>Retry-After</c>, <c>x-ratelimit-remaining-requests</c>, <c>x-ratelimit-remaining-tokens</c>).
/// </summary>
public static class GateHttp
{
    public static int StatusCode(GateOutcome outcome) => outcome switch
    {
        GateOutcome.Unauthorized => StatusCodes.Status401Unauthorized,
        GateOutcome.Forbidden => StatusCodes.Status403Forbidden,
        GateOutcome.RateLimited => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status200OK,
    };

    /// <summary>Adds the remaining-count headers (and Retry-After on a refusal); call before the response starts.</summary>
    public static void ApplyHeaders(HttpResponse response, GateDecision decision)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (decision.RemainingRequests is { } requests)
        {
            response.Headers["x-ratelimit-remaining-requests"] = requests.ToString(CultureInfo.InvariantCulture);
        }

        if (decision.RemainingTokens is { } tokens)
        {
            response.Headers["x-ratelimit-remaining-tokens"] = tokens.ToString(CultureInfo.InvariantCulture);
        }

        if (decision.RetryAfter is { } retry)
        {
            response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Writes a refused decision as the whole response.</summary>
    public static Task WriteRefusalAsync(HttpContext context, GateDecision decision)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (decision.Outcome == GateOutcome.Allowed)
        {
            throw new ArgumentException("the decision allows the request", nameof(decision));
        }

        var response = context.Response;
        response.StatusCode = StatusCode(decision.Outcome);
        ApplyHeaders(response, decision);
        if (decision.Outcome == GateOutcome.Unauthorized)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }

        var message = decision.Message ?? decision.Outcome.ToString();
        var (type, code) = decision.Outcome switch
        {
            GateOutcome.Unauthorized => ("invalid_request_error", "invalid_api_key"),
            GateOutcome.Forbidden => ("permission_error", "model_not_allowed"),
            _ => ("rate_limit_error", "rate_limit_exceeded"),
        };
        JsonObject body = context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal)
            ? new JsonObject { ["error"] = message }
            : new JsonObject
            {
                ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = null, ["code"] = code },
            };
        response.ContentType = "application/json";
        return response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
