using System.Diagnostics;

namespace Hearth.Router.Observability;

/// <summary>
/// OpenTelemetry-compatible traces (System.Diagnostics.ActivitySource "Hearth.Router"; no cost unless a listener such
/// as the OpenTelemetry SDK subscribes): one CLIENT span per upstream attempt, named and tagged after the GenAI semantic
/// conventions (<c>gen_ai.operation.name</c>, <c>gen_ai.request.model</c>, <c>server.address</c>, <c>error.type</c>).
/// The outgoing request carries the W3C traceparent (SocketsHttpHandler propagates the current activity).
/// </summary>
internal static class RouterTracing
{
    public const string SourceName = "Hearth.Router";

    public static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartAttempt(string route, string publicModel, string backendModel, Backends.Backend backend)
    {
        var operation = route switch
        {
            "/v1/chat/completions" or "/api/chat" => "chat",
            "/v1/embeddings" => "embeddings",
            _ => "text_completion",
        };
        var activity = Source.StartActivity($"{operation} {backendModel}", ActivityKind.Client);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag("gen_ai.operation.name", operation);
        activity.SetTag("gen_ai.request.model", backendModel);
        activity.SetTag("gen_ai.system", backend.Options.Type == Config.BackendType.Ollama ? "ollama" : "openai");
        activity.SetTag("server.address", backend.Options.Url.Host);
        activity.SetTag("server.port", backend.Options.Url.Port);
        activity.SetTag("hearth.router.backend", backend.Name);
        activity.SetTag("hearth.router.model", publicModel);
        return activity;
    }

    public static void Finish(Activity? activity, Backends.UpstreamAttempt attempt)
    {
        if (activity is null)
        {
            return;
        }

        if (attempt.Response is not null)
        {
            activity.SetTag("http.response.status_code", attempt.Status);
        }

        if (attempt.Kind != Backends.AttemptKind.Ok)
        {
            activity.SetTag("error.type", attempt.Kind == Backends.AttemptKind.HttpError ? attempt.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : attempt.Kind.ToString());
            activity.SetStatus(ActivityStatusCode.Error, attempt.FailureMessage);
        }
    }
}
