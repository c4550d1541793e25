using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hearth.Instances.Web;

/// <summary>The dashboard: plain HTML/JS/CSS embedded in this assembly (Web/Assets), nothing fetched at run time.</summary>
internal static class DashboardRoutes
{
    private static readonly (string Route, string Resource, string ContentType)[] Assets =
    [
        ("/", "dashboard.html", "text/html; charset=utf-8"),
        ("/dashboard/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8"),
        ("/dashboard/dashboard.css", "dashboard.css", "text/css; charset=utf-8"),
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
            });
        }
    }

    private static byte[] Load(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Hearth.Instances.Web." + name)
            ?? throw new InvalidOperationException("Embedded resource missing: " + name);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
