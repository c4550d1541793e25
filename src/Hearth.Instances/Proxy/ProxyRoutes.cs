using Hearth.Instances.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Hearth.Instances.Proxy;

/// <summary>
/// Which requests are proxied: <c>/i/NAME/...</c> (prefix stripped, announced as X-Forwarded-Prefix) and any request
/// whose Host is <c>NAME.localhost[:port]</c> (whole path, for apps that cannot live under a prefix).
/// </summary>
internal static class ProxyRoutes
{
    public static void Use(IApplicationBuilder app, InstanceProxy proxy)
    {
        app.Use(async (context, next) =>
        {
            if (TryHostRoute(context.Request.Host.Host, out var hostName))
            {
                await proxy.ForwardAsync(context, hostName, "", context.Request.Path).ConfigureAwait(false);
                return;
            }

            var path = context.Request.Path;
            if (path.StartsWithSegments("/i", out var rest) && rest.HasValue)
            {
                var value = rest.Value!;
                var end = value.IndexOf('/', 1);
                var name = end < 0 ? value[1..] : value[1..end];
                if (end < 0)
                {
                    // /i/name → /i/name/ so the app's relative links resolve under the prefix.
                    context.Response.Redirect($"/i/{name}/{context.Request.QueryString}");
                    return;
                }

                await proxy.ForwardAsync(context, name, "/i/" + name, new PathString(value[end..])).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });
    }

    internal static bool TryHostRoute(string host, out string name)
    {
        const string Suffix = ".localhost";
        name = "";
        if (!host.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase) || host.Length == Suffix.Length)
        {
            return false;
        }

        name = host[..^Suffix.Length].ToLowerInvariant();
        try
        {
            InstanceSpec.ValidateName(name);
            return true;
        }
        catch (InstanceSpecException)
        {
            return false;
        }
    }
}
