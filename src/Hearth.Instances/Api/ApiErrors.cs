using Hearth.Instances.Model;
using Hearth.Instances.Supervision;
using Microsoft.AspNetCore.Http;

namespace Hearth.Instances.Api;

/// <summary>Errors as OpenAI's JSON: {"error":{"message","type","param","code"}}.</summary>
internal static class ApiErrors
{
    public static IResult Result(int status, string message, string type, string? code = null, string? param = null) =>
        Results.Json(new { error = new { message, type, param, code } }, statusCode: status);

    public static Task WriteAsync(HttpContext context, int status, string message, string type, string? code = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error = new { message, type, param = (string?)null, code } }, context.RequestAborted);
    }

    /// <summary>Maps the library's typed exceptions; anything else is left to propagate (a bug).</summary>
    public static IResult? Map(Exception ex) => ex switch
    {
        InstanceNotFoundException nf => Result(404, nf.Message, "not_found_error", "instance_not_found"),
        DuplicateInstanceException d => Result(409, d.Message, "invalid_request_error", "instance_exists"),
        InstanceSpecException s => Result(400, s.Message, "invalid_request_error", "invalid_instance", s.Field),
        InstanceUnavailableException u => Result(503, u.Message, "server_error", "instance_unavailable"),
        _ => null,
    };

    public static async Task<IResult> Guard(Func<Task<IResult>> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (Map(ex) is not null)
        {
            return Map(ex)!;
        }
    }
}
