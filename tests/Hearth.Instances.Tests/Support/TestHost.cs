using Hearth.Instances.Hosting;
using Hearth.Instances.Supervision;
using Microsoft.AspNetCore.Builder;

namespace Hearth.Instances.Tests.Support;

/// <summary>A supervisor plus its web host (dashboard, API, proxy) on a free loopback port.</summary>
public sealed class TestHost : IAsyncDisposable
{
    private readonly TestSupervisor _supervisor;
    private readonly WebApplication _app;

    private TestHost(TestSupervisor supervisor, WebApplication app, Uri address)
    {
        _supervisor = supervisor;
        _app = app;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public Supervisor Supervisor => _supervisor.Supervisor;

    public TempHome Home => _supervisor.Home;

    public static async Task<TestHost> StartAsync(Action<SupervisorHostOptions>? host = null, Action<SupervisorOptions>? supervisor = null)
    {
        var s = await TestSupervisor.StartAsync(supervisor);
        var options = new SupervisorHostOptions { Port = 0, StartWait = TimeSpan.FromSeconds(30) };
        host?.Invoke(options);
        var app = SupervisorHost.CreateApp(s.Supervisor, options);
        await app.StartAsync();
        return new TestHost(s, app, SupervisorHost.ListeningAddress(app));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _supervisor.DisposeAsync();
    }
}
