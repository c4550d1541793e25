using System.Net;
using Hearth.Instances.Supervision;
using Microsoft.AspNetCore.Http;

namespace Hearth.Instances.Proxy;

/// <summary>What a browser sees while its instance starts: a small page that reloads itself until the app answers.</summary>
internal static class StartingPage
{
    /// <summary>A top-level browser navigation (not fetch/XHR, not an API client): it gets the page instead of waiting.</summary>
    public static bool IsBrowserNavigation(HttpRequest request) =>
        HttpMethods.IsGet(request.Method)
        && request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal)
        && request.Headers["Sec-Fetch-Mode"].ToString() is "" or "navigate";

    public static Task WriteAsync(HttpContext context, InstanceStatus status)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(status);
        var failed = status.State == Model.InstanceState.Failed;
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "1";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentType = "text/html; charset=utf-8";
        var name = WebUtility.HtmlEncode(status.Name);
        var state = WebUtility.HtmlEncode(status.State.ToString().ToLowerInvariant());
        var reason = WebUtility.HtmlEncode(status.Reason ?? "");
        var refresh = failed ? "" : "<meta http-equiv=\"refresh\" content=\"1\">";
        var title = failed ? "failed" : "starting";
        var heading = failed ? "Could not start" : "Starting";
        var help = failed ? "See the <a href=\"/\">dashboard</a> for its logs." : "This page reloads by itself when it is ready.";
        var html = $$"""
            <!doctype html><html><head><meta charset="utf-8">{{refresh}}<title>{{title}}: {{name}}</title>
            <style>body{font:16px system-ui,sans-serif;margin:4em;color:#333}code{color:#a40}</style></head>
            <body data-state="{{state}}"><h1>{{heading}} {{name}}&hellip;</h1>
            <p>state: <code>{{state}}</code> {{reason}}</p>
            <p>{{help}}</p></body></html>
            """;
        return context.Response.WriteAsync(html, context.RequestAborted);
    }
}
