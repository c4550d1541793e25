using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Router.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Hearth.Router.Tests.Proxy;

/// <summary>Faults a real engine cannot be made to show on demand, from scripted upstreams on loopback: each is retried
/// elsewhere before the first byte, never after it.</summary>
public sealed class FaultTests : IAsyncLifetime
{
    private ScriptedUpstream first = null!;
    private ScriptedUpstream second = null!;

    public async Task InitializeAsync()
    {
        first = await ScriptedUpstream.StartAsync();
        second = await ScriptedUpstream.StartAsync();
        second.Handler = (c, r) => ScriptedUpstream.Json(c, ScriptedUpstream.ChatCompletion("from-second", r));
    }

    public async Task DisposeAsync()
    {
        await first.DisposeAsync();
        await second.DisposeAsync();
    }

    /// <summary>Round-robin starting at "first": every request tries the faulty backend first.</summary>
    private Task<RunningRouter> Router(string extra = "") => RunningRouter.StartAsync($"""
        routing: {"{"}strategy: round-robin{"}"}
        {extra}
        backends:
          - {"{"}name: first, url: "{first.Address}", models: [m], tier: local, timeouts: {"{"}first_byte: 500ms, idle: 500ms{"}"}, health: {"{"}period: 1h{"}"}{"}"}
          - {"{"}name: second, url: "{second.Address}", models: [m], tier: cluster, timeouts: {"{"}first_byte: 5s, idle: 5s{"}"}, health: {"{"}period: 1h{"}"}{"}"}
        """);

    private static async Task<(HttpStatusCode Status, string Backend, string Body, HttpResponseMessage Response)> Chat(RunningRouter router, bool stream = false)
    {
        var response = await router.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative),
            new StringContent($$"""{"model":"m","stream":{{(stream ? "true" : "false")}},"messages":[]}""", Encoding.UTF8, "application/json"));
        return (response.StatusCode, response.Headers.GetValues("x-hearth-backend").Single(), await response.Content.ReadAsStringAsync(), response);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(429)]
    public async Task A_5xx_or_429_before_the_first_byte_is_retried_on_the_next_backend(int status)
    {
        first.Handler = (c, _) => ScriptedUpstream.Json(c, """{"error":{"message":"busy"}}""", status);
        await using var router = await Router();
        var (code, backend, body, _) = await Chat(router);
        Assert.Equal((HttpStatusCode.OK, "second"), (code, backend));
        Assert.Contains("from-second", body, StringComparison.Ordinal);
        Assert.Single(first.Requests);
        var metrics = await router.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains($"hearth_router_retries_total{{backend=\"first\",reason=\"{status}\"}} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_first_byte_times_out_and_goes_to_the_next_backend()
    {
        first.Handler = async (c, _) =>
        {
            c.Response.ContentType = "text/event-stream";
            await c.Response.Body.FlushAsync(); // headers now, first byte never within the 500 ms budget
            await Task.Delay(TimeSpan.FromSeconds(10), c.RequestAborted);
        };
        await using var router = await Router();
        var (code, backend, _, _) = await Chat(router, stream: true);
        Assert.Equal((HttpStatusCode.OK, "second"), (code, backend));
    }

    [Fact]
    public async Task A_hanging_backend_cannot_stall_the_request()
    {
        first.Handler = (c, _) => Task.Delay(Timeout.Infinite, c.RequestAborted);
        await using var router = await Router();
        var (code, backend, _, _) = await Chat(router);
        Assert.Equal((HttpStatusCode.OK, "second"), (code, backend));
        var metrics = await router.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("hearth_router_retries_total{backend=\"first\",reason=\"timeout\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_cut_after_it_started_is_not_retried_and_ends_with_an_error_event()
    {
        first.Handler = async (c, _) =>
        {
            await ScriptedUpstream.Sse(c, [ScriptedUpstream.Chunk("partial")]);
            await Task.Delay(300); // let the first chunk reach the client before the connection dies
            c.Abort();
        };
        await using var router = await Router();
        var (code, backend, body, _) = await Chat(router, stream: true);
        Assert.Equal((HttpStatusCode.OK, "first"), (code, backend));
        Assert.Contains("\"partial\"", body, StringComparison.Ordinal);
        Assert.Contains("upstream_stream_cut", body, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", body, StringComparison.Ordinal);
        Assert.Empty(second.Requests); // the client already had bytes: a retry would duplicate them
    }

    [Fact]
    public async Task A_stream_that_goes_silent_is_ended_by_the_idle_timeout()
    {
        first.Handler = async (c, _) =>
        {
            await ScriptedUpstream.Sse(c, [ScriptedUpstream.Chunk("partial")]);
            await Task.Delay(Timeout.Infinite, c.RequestAborted);
        };
        await using var router = await Router();
        var (_, backend, body, _) = await Chat(router, stream: true);
        Assert.Equal("first", backend);
        Assert.Contains("upstream_stream_cut", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_every_backend_refuses_the_last_answer_is_passed_on()
    {
        first.Handler = (c, _) => ScriptedUpstream.Json(c, """{"error":{"message":"slow down"}}""", 429);
        second.Handler = async (c, _) =>
        {
            c.Response.Headers.RetryAfter = "7";
            await ScriptedUpstream.Json(c, """{"error":{"message":"slow down too"}}""", 429);
        };
        await using var router = await Router();
        var (code, backend, body, response) = await Chat(router);
        Assert.Equal((HttpStatusCode.TooManyRequests, "second"), (code, backend));
        Assert.Equal("7", response.Headers.GetValues("Retry-After").Single());
        Assert.Contains("slow down too", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_every_backend_is_down_the_answer_is_503_with_retry_after()
    {
        first.Healthy = false;
        second.Healthy = false;
        await using var router = await Router();
        var (code, backend, body, response) = await Chat(router);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "router"), (code, backend));
        Assert.True(int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Equal("no_backend_available", (string?)JsonNode.Parse(body)!["error"]!["code"]);
        using var health = await router.Http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
    }

    [Fact]
    public async Task A_refused_connection_is_retried_and_a_client_error_is_not()
    {
        await using (var router = await RunningRouter.StartAsync($"""
            backends:
              - {"{"}name: dead, url: "http://127.0.0.1:9", models: [m], health: {"{"}period: 1h, path: /v1/models{"}"}{"}"}
              - {"{"}name: second, url: "{second.Address}", models: [m], tier: cluster{"}"}
            """))
        {
            // Port 9 (discard) refuses; the backend is marked down by its first health check and skipped.
            var (code, backend, _, _) = await Chat(router);
            Assert.Equal((HttpStatusCode.OK, "second"), (code, backend));
        }

        second.Requests.Clear();
        first.Handler = (c, _) => ScriptedUpstream.Json(c, """{"error":{"message":"bad temperature","type":"invalid_request_error","param":"temperature","code":null}}""", 400);
        await using var again = await Router();
        var (status, name, body, _) = await Chat(again);
        Assert.Equal((HttpStatusCode.BadRequest, "first"), (status, name));
        Assert.Contains("bad temperature", body, StringComparison.Ordinal);
        Assert.Empty(second.Requests);
    }

    [Fact]
    public async Task Context_length_exceeded_falls_back_to_the_longer_context_model()
    {
        first.Handler = (c, _) => ScriptedUpstream.Json(c, """{"error":{"message":"too long","type":"invalid_request_error","code":"context_length_exceeded"}}""", 400);
        await using var router = await RunningRouter.StartAsync($"""
            fallbacks: {"{"}m: [m-long]{"}"}
            backends:
              - {"{"}name: first, url: "{first.Address}", models: [m], health: {"{"}period: 1h{"}"}{"}"}
              - {"{"}name: second, url: "{second.Address}", models: [m-long], health: {"{"}period: 1h{"}"}{"}"}
            """);
        var (code, backend, _, _) = await Chat(router);
        Assert.Equal((HttpStatusCode.OK, "second"), (code, backend));
        Assert.Contains("\"model\":\"m-long\"", second.Requests.Single().Text, StringComparison.Ordinal);
        var metrics = await router.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("hearth_router_fallbacks_total{from=\"m\",to=\"m-long\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_model_falls_back_to_another_model_when_all_its_deployments_fail()
    {
        first.Handler = (c, _) => ScriptedUpstream.Json(c, "{}", 503);
        await using var router = await RunningRouter.StartAsync($"""
            fallbacks: {"{"}m: [backup]{"}"}
            backends:
              - {"{"}name: first, url: "{first.Address}", models: [m], health: {"{"}period: 1h{"}"}{"}"}
              - {"{"}name: second, url: "{second.Address}", models: [backup], health: {"{"}period: 1h{"}"}{"}"}
            """);
        var (code, backend, _, _) = await Chat(router);
        Assert.Equal((HttpStatusCode.OK, "second"), (code, backend));
    }

    [Fact]
    public async Task Repeated_failures_open_the_circuit_and_the_backend_gets_no_more_traffic()
    {
        first.Handler = (c, _) => ScriptedUpstream.Json(c, "{}", 500);
        await using var router = await Router("  ");
        for (var i = 0; i < 10; i++)
        {
            var (code, _, _, _) = await Chat(router);
            Assert.Equal(HttpStatusCode.OK, code);
        }

        // minimum_throughput 4 at ratio 0.5: the circuit opened after the 4th failure; later requests skip "first".
        Assert.InRange(first.Requests.Count, 4, 5);
        var health = JsonNode.Parse(await router.Http.GetStringAsync(new Uri("/health", UriKind.Relative)))!;
        Assert.True((bool)health["backends"]![0]!["circuit_open"]!);
    }
}
