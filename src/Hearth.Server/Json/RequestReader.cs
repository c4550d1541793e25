using System.Text.Json;
using Hearth.Server.Errors;
using Microsoft.AspNetCore.Http;

namespace Hearth.Server.Json;

/// <summary>Reads a JSON request body into a request record; malformed or missing bodies become 400s naming the field.</summary>
internal static class RequestReader
{
    public static async Task<T> ReadAsync<T>(HttpContext context)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        var value = await JsonSerializer.DeserializeAsync<T>(context.Request.Body, ApiJson.Options, context.RequestAborted).ConfigureAwait(false);
        return value ?? throw ApiException.BadRequest("The request body must be a JSON object.");
    }
}
