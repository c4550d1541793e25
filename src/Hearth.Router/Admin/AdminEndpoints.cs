using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Router.Admin;

public static class AdminEndpoints
{
    /// <summary>
    /// Maps <c>/admin/keys</c>, <c>/admin/models</c> and <c>/admin/backends</c>. Every admin route needs the
    /// master key as <c>Authorization: Bearer</c>; without one configured the admin API answers 401 to everyone.
    /// Needs <see cref="Access.RouterAccessServiceCollectionExtensions.AddRouterAccess"/>.
    /// </summary>
    public static IEndpointRouteBuilder MapRouterAdmin(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var admin = endpoints.MapGroup("/admin");
        admin.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var gate = http.RequestServices.GetRequiredService<Access.IRequestGate>();
            if (!gate.IsMaster(BearerToken(http.Request)))
            {
                return AdminErrors.Error(StatusCodes.Status401Unauthorized,
                    "The admin API needs the master key (HEARTH_ROUTER_MASTER_KEY) as 'Authorization: Bearer <key>'.",
                    code: "invalid_api_key");
            }

            return await next(context).ConfigureAwait(false);
        });
        KeysAdmin.Map(admin);
        ModelsAdmin.Map(admin);
        BackendsAdmin.Map(admin);
        return endpoints;
    }

    /// <summary>The token of an <c>Authorization: Bearer</c> header, or null.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
    }
}
