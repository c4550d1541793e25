using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Hearth.Cli.Commands;

/// <summary>The supervisor's API as the CLI uses it. Errors become <see cref="InstancesApiException"/> with the server's message.</summary>
internal sealed class InstancesClient : IDisposable
{
    public const string DefaultUrl = "http://127.0.0.1:7860";
    private readonly HttpClient _http;

    public InstancesClient(string? url, string? adminKey)
    {
        var baseUrl = url ?? Environment.GetEnvironmentVariable("HEARTH_URL") ?? DefaultUrl;
        _http = new HttpClient { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"), Timeout = Timeout.InfiniteTimeSpan };
        var key = adminKey ?? Environment.GetEnvironmentVariable("HEARTH_ADMIN_KEY");
        if (!string.IsNullOrEmpty(key))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
    }

    public Uri BaseAddress => _http.BaseAddress!;

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, string? json, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, cancellation).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<string> GetTextAsync(string path, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, cancellation).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
    }

    public async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, cancellation).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new InstancesApiException(0, $"cannot reach the supervisor at {BaseAddress} ({ex.Message}); start it with 'hearth up' or set --url / HEARTH_URL");
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
            var message = body;
            try
            {
                message = JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("message").GetString() ?? body;
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
            }

            throw new InstancesApiException((int)response.StatusCode, message);
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>The supervisor answered with an error (or could not be reached: status 0).</summary>
internal sealed class InstancesApiException : Exception
{
    public InstancesApiException(int status, string message)
        : base(message) => Status = status;

    public InstancesApiException()
    {
    }

    public InstancesApiException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public int Status { get; }

    /// <summary>Exit code for this failure: the existing codes where they fit.</summary>
    public int ExitCode => Status switch
    {
        0 => ExitCodes.NetworkError,
        (int)HttpStatusCode.NotFound => InstancesExitCodes.NotFound,
        (int)HttpStatusCode.Conflict => InstancesExitCodes.Conflict,
        (int)HttpStatusCode.BadRequest => ExitCodes.InvalidInput,
        (int)HttpStatusCode.Unauthorized => InstancesExitCodes.Unauthorized,
        _ => InstancesExitCodes.Unavailable,
    };
}

/// <summary>Exit codes of <c>hearth instances</c> beyond the shared ones in <see cref="ExitCodes"/>.</summary>
internal static class InstancesExitCodes
{
    /// <summary>No instance of that name (HTTP 404).</summary>
    public const int NotFound = 20;

    /// <summary>An instance of that name already exists (HTTP 409).</summary>
    public const int Conflict = 21;

    /// <summary>The supervisor refused the admin key (HTTP 401).</summary>
    public const int Unauthorized = 22;

    /// <summary>The instance could not be started or the supervisor failed (5xx).</summary>
    public const int Unavailable = 23;
}
