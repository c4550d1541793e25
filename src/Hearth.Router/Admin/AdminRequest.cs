using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Hearth.Router.Admin;

/// <summary>
/// Reads an admin request body as a JSON object and its fields with their types checked, collecting
/// every problem (with the field's name) instead of stopping at the first, so one 400 tells the whole story.
/// </summary>
internal sealed class AdminRequest
{
    public const long MaxBodyBytes = 1024 * 1024;
    private readonly JsonObject body;
    private readonly HashSet<string> known = new(StringComparer.Ordinal);

    private AdminRequest(JsonObject body)
    {
        this.body = body;
    }

    public List<(string Param, string Message)> Errors { get; } = [];

    /// <summary>The parsed body, or the error response to send instead.</summary>
    public static async Task<(AdminRequest? Request, IResult? Error)> ReadAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, AdminErrors.Error(StatusCodes.Status413PayloadTooLarge, $"Request body over {MaxBodyBytes} bytes.", code: "request_too_large"));
        }

        // A chunked body has no length to check up front: the server stops reading it at the same bound.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        JsonNode? node;
        try
        {
            node = await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return (null, AdminErrors.Error(StatusCodes.Status400BadRequest, "Malformed JSON body: " + ex.Message, code: "invalid_json"));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, AdminErrors.Error(StatusCodes.Status413PayloadTooLarge, $"Request body over {MaxBodyBytes} bytes.", code: "request_too_large"));
        }

        return node is JsonObject o
            ? (new AdminRequest(o), null)
            : (null, AdminErrors.Error(StatusCodes.Status400BadRequest, "The body must be a JSON object.", code: "invalid_json"));
    }

    public string? String(string name, bool required = false)
    {
        var node = Field(name, required);
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue<string>(out var s))
        {
            return s;
        }

        Errors.Add((name, "must be a string"));
        return null;
    }

    public long? Integer(string name)
    {
        var node = Field(name, false);
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n))
        {
            return n;
        }

        Errors.Add((name, "must be a whole number"));
        return null;
    }

    public bool? Boolean(string name)
    {
        var node = Field(name, false);
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return v.GetValue<bool>();
        }

        Errors.Add((name, "must be true or false"));
        return null;
    }

    public List<string>? Strings(string name)
    {
        var node = Field(name, false);
        if (node is null)
        {
            return null;
        }

        if (node is not JsonArray array)
        {
            Errors.Add((name, "must be an array of strings"));
            return null;
        }

        var list = new List<string>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s))
            {
                list.Add(s);
            }
            else
            {
                Errors.Add(($"{name}[{i}]", "must be a non-empty string"));
            }
        }

        return list;
    }

    public JsonArray? Array(string name, bool required = false)
    {
        var node = Field(name, required);
        if (node is null)
        {
            return null;
        }

        if (node is JsonArray array)
        {
            return array;
        }

        Errors.Add((name, "must be an array"));
        return null;
    }

    /// <summary>Adds an error for every member the handler did not read: unknown fields are mistakes, not extras.</summary>
    public void RejectUnknown()
    {
        foreach (var (name, _) in body)
        {
            if (!known.Contains(name))
            {
                Errors.Add((name, "unknown field"));
            }
        }
    }

    private JsonNode? Field(string name, bool required)
    {
        known.Add(name);
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            if (required)
            {
                Errors.Add((name, "is required"));
            }

            return null;
        }

        return node;
    }
}
