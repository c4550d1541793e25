using Hearth.Instances.Supervision;

namespace Hearth.Instances.Tests.Support;

/// <summary>A supervisor in a temp home with short timings for tests; disposing stops every process and deletes the home.</summary>
public sealed class TestSupervisor : IAsyncDisposable
{
    private readonly bool _ownsHome;

    private TestSupervisor(Supervisor supervisor, TempHome home, bool ownsHome)
    {
        Supervisor = supervisor;
        Home = home;
        _ownsHome = ownsHome;
    }

    public Supervisor Supervisor { get; }

    public TempHome Home { get; }

    public static SupervisorOptions Options(TempHome home) => new()
    {
        Home = home.Path,
        StopGrace = TimeSpan.FromSeconds(2),
        LivenessPeriod = TimeSpan.FromMilliseconds(200),
        ReconcilePeriod = TimeSpan.FromMilliseconds(200),
    };

    public static async Task<TestSupervisor> StartAsync(Action<SupervisorOptions>? configure = null, TimeProvider? time = null, TempHome? home = null)
    {
        var ownsHome = home is null;
        home ??= new TempHome();
        var options = Options(home);
        configure?.Invoke(options);
        return new TestSupervisor(await Supervisor.StartAsync(options, time), home, ownsHome);
    }

    public async ValueTask DisposeAsync()
    {
        await Supervisor.DisposeAsync();
        if (_ownsHome)
        {
            Home.Dispose();
        }
    }
}
