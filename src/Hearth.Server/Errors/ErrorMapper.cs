using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Hearth.Server.Errors;

/// <summary>
/// The ONE place where failures become HTTP errors: every handler lets exceptions escape and the
/// error middleware asks this mapper for status, type and code. Anything unexpected is a 500 whose
/// message does not leak internals beyond the exception message.
/// </summary>
internal static class ErrorMapper
{
    public static ApiError Map(Exception error) => error switch
    {
        ApiException a => new ApiError(a.Status, a.Type, a.Code, a.Param, a.Message, a.RetryAfterSeconds),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } b =>
            new ApiError(413, "invalid_request_error", "request_too_large", null, "The request body is too large: " + b.Message),
        BadHttpRequestException b => new ApiError(b.StatusCode, "invalid_request_error", null, null, b.Message),
        JsonException j => new ApiError(400, "invalid_request_error", "invalid_json", JsonParam(j.Path),
            j.Path is null or "$" ? "The request body is not valid JSON: " + j.Message : $"Invalid value for '{JsonParam(j.Path)}': {j.Message}"),
        ObjectDisposedException => new ApiError(503, "server_error", "model_unloaded", null, "The model was unloaded while serving this request; retry.", 1),
        InvalidDataException or FileNotFoundException or NotSupportedException =>
            new ApiError(500, "server_error", "model_load_failed", "model", "The model could not be loaded: " + error.Message),
        ArgumentException arg => new ApiError(400, "invalid_request_error", null, arg.ParamName, arg.Message),
        _ => new ApiError(500, "server_error", null, null, "Internal error: " + error.Message),
    };

    /// <summary>"$.messages[0].content" -> "messages[0].content"</summary>
    private static string? JsonParam(string? path) =>
        path is null or "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
}
