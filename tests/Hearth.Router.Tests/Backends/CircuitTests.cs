using Hearth.Router.Backends;
using Hearth.Router.Config;
using Microsoft.Extensions.Time.Testing;

namespace Hearth.Router.Tests.Backends;

/// <summary>The per-backend Polly circuit breaker on a fake clock: no sleeps.</summary>
public sealed class CircuitTests
{
    [Fact]
    public async Task Failures_open_the_circuit_for_the_break_and_a_success_after_it_closes_it()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var routing = new RoutingOptions { Circuit = new CircuitOptions { FailureRatio = 0.5, MinimumThroughput = 4, Sampling = TimeSpan.FromSeconds(30), Break = TimeSpan.FromSeconds(10) } };
        using var backend = new Backend(new BackendOptions { Name = "b", Url = new Uri("http://127.0.0.1:9") }, routing, time, _ => null);
        TimeSpan? opened = null;
        backend.CircuitOpened += (_, d) => opened = d;

        static ValueTask<UpstreamAttempt> Fail() => ValueTask.FromResult(new UpstreamAttempt { Kind = AttemptKind.ConnectFailed });
        static ValueTask<UpstreamAttempt> Succeed() => ValueTask.FromResult(new UpstreamAttempt { Kind = AttemptKind.Ok });

        for (var i = 0; i < 4; i++)
        {
            (await backend.Pipeline.ExecuteAsync(_ => Fail())).Dispose();
        }

        Assert.Equal(TimeSpan.FromSeconds(10), opened);
        Assert.False(backend.State.Available(time.GetUtcNow()));
        await Assert.ThrowsAsync<Polly.CircuitBreaker.BrokenCircuitException>(async () => await backend.Pipeline.ExecuteAsync(_ => Succeed()));

        time.Advance(TimeSpan.FromSeconds(11));
        Assert.True(backend.State.Available(time.GetUtcNow())); // one probe may go
        (await backend.Pipeline.ExecuteAsync(_ => Succeed())).Dispose();
        Assert.False(backend.State.CircuitOpen(time.GetUtcNow()));
    }

    [Fact]
    public async Task A_429_is_saturation_not_failure_and_does_not_open_the_circuit()
    {
        var time = new FakeTimeProvider();
        using var backend = new Backend(new BackendOptions { Name = "b", Url = new Uri("http://127.0.0.1:9") }, new RoutingOptions(), time, _ => null);
        for (var i = 0; i < 10; i++)
        {
            var response = new HttpResponseMessage(System.Net.HttpStatusCode.TooManyRequests);
            (await backend.Pipeline.ExecuteAsync(_ => ValueTask.FromResult(new UpstreamAttempt { Kind = AttemptKind.HttpError, Response = response }))).Dispose();
        }

        Assert.True(backend.State.Available(time.GetUtcNow()));
    }
}
