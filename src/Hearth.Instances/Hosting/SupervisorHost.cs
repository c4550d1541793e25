using System.Net;
using Hearth.Instances.Api;
using Hearth.Instances.Proxy;
using Hearth.Instances.Stats;
using Hearth.Instances.Supervision;
using Hearth.Instances.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Hearth.Instances.Hosting;

/// <summary>
/// The web side of <c>hearth up</c>: dashboard at /, REST API under /api, the proxy (/i/NAME/..., NAME.localhost),
/// and one OpenAI endpoint under /v1 for model instances — one Kestrel server in front of the supervisor.
/// </summary>
public static class SupervisorHost
{
    public static WebApplication CreateApp(Supervisor supervisor, SupervisorHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(supervisor);
        ArgumentNullException.ThrowIfNull(options);
        if (!AdminAuth.IsLoopback(options.Host) && string.IsNullOrEmpty(options.AdminKey))
        {
            throw new ArgumentException($"binding {options.Host} (not loopback) requires an admin key (--admin-key or HEARTH_ADMIN_KEY)");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            var ip = options.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Host);
            k.Listen(ip, options.Port);
        });
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton(supervisor);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = Model.SpecJson.Options.PropertyNamingPolicy;
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never;
            foreach (var c in Model.SpecJson.Options.Converters)
            {
                o.SerializerOptions.Converters.Add(c);
            }
        });

        var app = builder.Build();
        app.UseWebSockets();
        if (options.AdminKey is { Length: > 0 } key)
        {
            app.Use(async (context, next) =>
            {
                if (context.Request.Path == "/login")
                {
                    await AdminAuth.LoginAsync(context, key).ConfigureAwait(false);
                    return;
                }

                if (!AdminAuth.IsAuthorized(context, key))
                {
                    if (StartingPage.IsBrowserNavigation(context.Request))
                    {
                        context.Response.Redirect("/login");
                        return;
                    }

                    await ApiErrors.WriteAsync(context, 401, "missing or wrong admin key (Authorization: Bearer KEY)", "authentication_error", "invalid_api_key").ConfigureAwait(false);
                    return;
                }

                await next(context).ConfigureAwait(false);
            });
        }

        var proxy = new InstanceProxy(supervisor, app.Services.GetRequiredService<IHttpForwarder>(), options.StartWait, options.AdminKey);
        ProxyRoutes.Use(app, proxy);
        var sampler = new SystemSampler(supervisor, supervisor.Time);
        app.Lifetime.ApplicationStopped.Register(sampler.Dispose);
        InstanceApi.Map(app, supervisor);
        LogApi.Map(app, supervisor);
        app.MapGet("/api/system", (bool? history) => Results.Json(history == true ? new { latest = sampler.Latest, history = sampler.History() } : (object)sampler.Latest));
        OpenAiRouter.Map(app, supervisor, proxy);
        DashboardRoutes.Map(app);
        return app;
    }

    /// <summary>The address the app listens on once started (resolves port 0).</summary>
    public static Uri ListeningAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
    }
}
