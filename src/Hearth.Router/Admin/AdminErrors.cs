using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Hearth.Router.Admin;

/// <summary>Admin API errors in OpenAI's shape: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal static class AdminErrors
{
    public static IResult Error(int status, string message, string? param = null, string? code = null, string type = "invalid_request_error") =>
        Results.Json(
            new JsonObject
            {
                ["error"] = new JsonObject
                {
                    ["message"] = message,
                    ["type"] = type,
                    ["param"] = param,
                    ["code"] = code,
                },
            },
            statusCode: status);

    /// <summary>400 listing every validation problem; <c>param</c> names the first.</summary>
    public static IResult Invalid(IReadOnlyList<(string Param, string Message)> errors) =>
        Error(StatusCodes.Status400BadRequest, string.Join("; ", errors.Select(e => $"{e.Param}: {e.Message}")), errors[0].Param, "invalid_value");

    public static IResult NotFound(string message) => Error(StatusCodes.Status404NotFound, message, code: "not_found");

    public static IResult Conflict(string message, string param) => Error(StatusCodes.Status409Conflict, message, param, "conflict");
}
