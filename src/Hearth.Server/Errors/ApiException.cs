namespace Hearth.Server.Errors;

/// <summary>
/// A request that cannot be served, with everything the error body needs. Thrown by validation and
/// mapping code; <see cref="ErrorMapper"/> turns it (and every other exception) into a response.
/// </summary>
internal sealed class ApiException : Exception
{
    public ApiException(int status, string type, string? code, string? param, string message)
        : base(message)
    {
        Status = status;
        Type = type;
        Code = code;
        Param = param;
    }

    public int Status { get; }

    public string Type { get; }

    public string? Code { get; }

    public string? Param { get; }

    /// <summary>Seconds a client should wait before retrying (503 queue full).</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiException BadRequest(string message, string? param = null, string? code = null) =>
        new(400, "invalid_request_error", code, param, message);

    public static ApiException ModelNotFound(string model) =>
        new(404, "invalid_request_error", "model_not_found", "model", $"The model '{model}' does not exist.");

    public static ApiException ContextLengthExceeded(int promptTokens, int context) =>
        new(400, "invalid_request_error", "context_length_exceeded", "messages",
            $"This model's maximum context length is {context} tokens; the prompt has {promptTokens} tokens.");

    public static ApiException Busy(string message, int retryAfterSeconds) =>
        new(503, "server_error", "server_overloaded", null, message) { RetryAfterSeconds = retryAfterSeconds };

    public static ApiException NotAvailable(string message) =>
        new(501, "invalid_request_error", "not_implemented", null, message);
}

/// <summary>The error body fields, API-neutral; <see cref="ErrorWriter"/> renders them per API flavour.</summary>
internal sealed record ApiError(int Status, string Type, string? Code, string? Param, string Message, int? RetryAfterSeconds = null);
