using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hearth.Server.Web;

/// <summary>
/// The web chat at /chat: three files embedded in this assembly (Web/Assets), served as they are:
/// no build step at run time and nothing fetched from a CDN.
/// </summary>
internal static class ChatPageRoutes
{
    private static readonly (string Route, string Resource, string ContentType)[] Assets =
    [
        ("/chat", "chat.html", "text/html; charset=utf-8"),
        ("/chat/chat.js", "chat.js", "text/javascript; charset=utf-8"),
        ("/chat/markdown.js", "markdown.js", "text/javascript; charset=utf-8"),
        ("/chat/chat.css", "chat.css", "text/css; charset=utf-8"),
    ];

    public static void Map(IEndpointRouteBuilder app)
    {
        foreach (var (route, resource, contentType) in Assets)
        {
            var bytes = Load(resource);
            app.MapGet(route, (HttpContext context) =>
            {
                context.Response.ContentType = contentType;
                context.Response.Headers.CacheControl = "no-cache";
                context.Response.Headers.XContentTypeOptions = "nosniff";
                return context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
            }).ExcludeFromDescription();
        }

        app.MapGet("/", () => Results.Redirect("/chat")).ExcludeFromDescription();
    }

    private static byte[] Load(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Hearth.Server.Web." + name)
            ?? throw new InvalidOperationException("Embedded resource missing: " + name);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
