using Hearth.Router.Access;
using Hearth.Router.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Router.Tests.Support;

/// <summary>A real Kestrel host on a free loopback port with AddRouterAccess and MapRouterAdmin, and an HttpClient for it.</summary>
public sealed class AdminHost : IAsyncDisposable
{
    private readonly TempDir dir = new();
    private WebApplication app = null!;

    public HttpClient Client { get; } = new();

    public IServiceProvider Services => app.Services;

    public string DatabasePath => dir.File("router.db");

    public static async Task<AdminHost> StartAsync(
        Func<RouterAccessOptions, RouterAccessOptions>? configure = null,
        Action<WebApplication>? map = null)
    {
        var host = new AdminHost();
        var options = new RouterAccessOptions { DatabasePath = host.DatabasePath, MasterKey = RouterFixture.MasterKey };
        options = configure?.Invoke(options) ?? options;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddRouterAccess(options);
        host.app = builder.Build();
        host.app.MapRouterAdmin();
        map?.Invoke(host.app);
        await host.app.StartAsync();
        var address = host.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.Client.BaseAddress = new Uri(address);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        dir.Dispose();
    }
}
