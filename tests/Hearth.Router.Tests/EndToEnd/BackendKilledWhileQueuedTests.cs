using System.Net;
using System.Text;
using Hearth.Router.Tests.Support;

namespace Hearth.Router.Tests.EndToEnd;

/// <summary>
/// Deliverable 11: a backend that dies while requests wait in its queue loses none of them. The kill happens
/// only once the engine's own /metrics shows requests queued behind a running one (<c>--parallel 1</c>), so the
/// test cannot pass by killing it before anything reached it.
/// </summary>
public sealed class BackendKilledWhileQueuedTests
{
    private const int Requests = 8;

    [Fact]
    public async Task Requests_queued_on_a_killed_engine_all_complete_on_the_other_one()
    {
        var engines = await Task.WhenAll(HearthProcess.ServeAsync("--parallel", "1"), HearthProcess.ServeAsync("--parallel", "1"));
        await using var victim = engines[0];
        await using var survivor = engines[1];
        await using var router = await RunningRouter.StartAsync($$$"""
            routing: {strategy: round-robin}
            backends:
              - {name: victim, url: "{{{victim.Address}}}", health: {period: 1s, timeout: 5s}, timeouts: {connect: 1s}}
              - {name: survivor, url: "{{{survivor.Address}}}", health: {period: 1s, timeout: 5s}, timeouts: {connect: 1s}}
            cache: {enabled: false}
            """);
        await router.WaitForModelAsync("llama-2-tiny-random");
        await router.WaitForHealthyAsync(2);

        // Non-streamed, so no byte reaches a client before the engine has finished the whole answer.
        var body = """{"model":"llama-2-tiny-random","max_tokens":64,"messages":[{"role":"user","content":"Tell me a long story"}]}""";
        var inFlight = Enumerable.Range(0, Requests).Select(async _ =>
        {
            using var response = await router.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative),
                new StringContent(body, Encoding.UTF8, "application/json"));
            return (response.StatusCode, Backend: response.Headers.TryGetValues("x-hearth-backend", out var b) ? b.Single() : null,
                Body: await response.Content.ReadAsStringAsync());
        }).ToList();

        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var queued = 0;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string? scrapeError = null;
        while (queued < 1 && DateTime.UtcNow < deadline && !inFlight.All(t => t.IsCompleted))
        {
            // One failed scrape must not end the test: on a loaded CI machine a scrape once came back 400 (unexplained,
            // not reproduced since); keep polling and report what was seen if the queue never showed.
            using var scrape = await probe.GetAsync(new Uri(victim.Address, "/metrics"));
            var text = await scrape.Content.ReadAsStringAsync();
            if (scrape.IsSuccessStatusCode)
            {
                queued = QueueDepth(text);
            }
            else
            {
                scrapeError ??= $"{(int)scrape.StatusCode}: {text}";
            }
        }

        Assert.True(queued >= 1, "no request ever waited in the victim's queue" + (scrapeError is null ? string.Empty : "; a scrape failed with " + scrapeError));
        victim.Kill();

        var results = await Task.WhenAll(inFlight);
        Assert.All(results, r => Assert.True(r.StatusCode == HttpStatusCode.OK, $"{r.StatusCode}: {r.Body}"));
        Assert.All(results, r => Assert.Contains("\"completion_tokens\"", r.Body, StringComparison.Ordinal));

        // The queued ones (and the one running when it died) were answered by the survivor.
        Assert.True(results.Count(r => r.Backend == "survivor") >= queued + 1, $"only {results.Count(r => r.Backend == "survivor")} answered by the survivor");
        var metrics = await router.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("hearth_router_retries_total{backend=\"victim\"", metrics, StringComparison.Ordinal);

        // And the router keeps serving afterwards.
        using var after = await router.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative),
            new StringContent("""{"model":"llama-2-tiny-random","max_tokens":2,"messages":[{"role":"user","content":"still there?"}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private static int QueueDepth(string metrics)
    {
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith("hearth_queue_depth", StringComparison.Ordinal) && !line.StartsWith("hearth_queue_depth_", StringComparison.Ordinal))
            {
                return (int)double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
