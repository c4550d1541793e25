using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Hearth.Instances.Hosting;

/// <summary>
/// One admin key in front of everything: the dashboard, the API and every proxied instance UI. A request carries it as
/// <c>Authorization: Bearer KEY</c> or as the <c>hearth_admin</c> cookie that /login sets. The key is removed before a
/// request is forwarded, so instances never see it.
/// </summary>
internal static class AdminAuth
{
    public const string Cookie = "hearth_admin";

    public static bool IsLoopback(string host) =>
        host is "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    public static bool IsAuthorized(HttpContext context, string key)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.Ordinal) && Same(header[7..].Trim(), key))
        {
            return true;
        }

        return context.Request.Cookies.TryGetValue(Cookie, out var cookie) && Same(cookie, key);
    }

    private static bool Same(string given, string key) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(key));

    public static async Task LoginAsync(HttpContext context, string key)
    {
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType)
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            if (Same(form["key"].ToString(), key))
            {
                context.Response.Cookies.Append(Cookie, key, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/", Secure = context.Request.IsHttps });
                context.Response.Redirect("/");
                return;
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        }

        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(
            "<!doctype html><title>Hearth login</title><form method=post style='font:16px sans-serif;margin:4em'>"
            + "<p>Admin key: <input type=password name=key autofocus> <button>Log in</button></p></form>",
            context.RequestAborted).ConfigureAwait(false);
    }
}
