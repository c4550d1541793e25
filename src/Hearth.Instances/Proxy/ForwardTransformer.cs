using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Hearth.Instances.Proxy;

/// <summary>
/// Rewrites a proxied request for the instance: the /i/NAME prefix is stripped and announced as X-Forwarded-Prefix
/// (so apps can build their links), X-Forwarded-For/Host/Proto are set, and the supervisor's admin key is removed.
/// </summary>
internal sealed class ForwardTransformer(string prefix, PathString path, string? adminKey) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(proxyRequest);
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        proxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(destinationPrefix, path.HasValue ? path : "/", httpContext.Request.QueryString);
        proxyRequest.Headers.Host = null;
        var headers = proxyRequest.Headers;
        headers.Remove("X-Forwarded-Prefix");
        if (prefix.Length > 0)
        {
            headers.TryAddWithoutValidation("X-Forwarded-Prefix", prefix);
        }

        headers.Remove("X-Forwarded-Host");
        headers.TryAddWithoutValidation("X-Forwarded-Host", httpContext.Request.Host.Value);
        headers.Remove("X-Forwarded-Proto");
        headers.TryAddWithoutValidation("X-Forwarded-Proto", httpContext.Request.Scheme);
        if (httpContext.Connection.RemoteIpAddress is { } ip)
        {
            headers.Remove("X-Forwarded-For");
            headers.TryAddWithoutValidation("X-Forwarded-For", ip.ToString());
        }

        if (adminKey is not null)
        {
            if (headers.Authorization is { Scheme: "Bearer" } auth && auth.Parameter == adminKey)
            {
                headers.Authorization = null;
            }

            if (headers.TryGetValues("Cookie", out var cookies))
            {
                var kept = string.Join("; ", cookies.SelectMany(c => c.Split(';')).Select(c => c.Trim())
                    .Where(c => c.Length > 0 && !c.StartsWith(Hosting.AdminAuth.Cookie + "=", StringComparison.Ordinal)));
                headers.Remove("Cookie");
                if (kept.Length > 0)
                {
                    headers.TryAddWithoutValidation("Cookie", kept);
                }
            }
        }
    }
}
