using System.Diagnostics.Metrics;
using Hearth.Router.Observability;

namespace Hearth.Router.Tests.Observability;

/// <summary>The exporter finds a measurement's series by its tag values (no label text per measurement): series must
/// still be told apart by every tag name and value, and add up across measurements.</summary>
public sealed class PrometheusExporterTests
{
    [Fact]
    public void Measurements_with_equal_tags_add_up_in_one_series_and_any_other_name_or_value_is_its_own()
    {
        using var meter = new Meter("Hearth.Router.Tests.Exporter." + Guid.NewGuid().ToString("N"));
        using var exporter = new PrometheusExporter(meter);
        var requests = meter.CreateCounter<long>("t_requests");
        var latency = meter.CreateHistogram<double>("t_latency", unit: "seconds",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1] });
        for (var i = 0; i < 3; i++)
        {
            requests.Add(1, new("route", "/v1/chat"), new("status", 200)); // a fresh boxed 200 each time
        }

        requests.Add(1, new("route", "/v1/chat"), new("status", 500));
        requests.Add(2, new("path", "/v1/chat"), new("status", 200)); // same values, another tag name
        requests.Add(5, new("route", "/v1/chat"), new("status", 200), new("model", "m"), new("backend", "b"), new("extra", "x")); // over four tags
        requests.Add(7, new("route", "/v1/chat"), new("status", 200), new("model", "m"), new("backend", "b"), new("extra", "x"));
        latency.Record(0.05);
        latency.Record(0.5);
        latency.Record(0.05);

        var text = exporter.Render();
        Assert.Contains("t_requests_total{route=\"/v1/chat\",status=\"200\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("t_requests_total{route=\"/v1/chat\",status=\"500\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("t_requests_total{path=\"/v1/chat\",status=\"200\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("t_requests_total{route=\"/v1/chat\",status=\"200\",model=\"m\",backend=\"b\",extra=\"x\"} 12\n", text, StringComparison.Ordinal);
        Assert.Contains("t_latency_seconds_bucket{le=\"0.1\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("t_latency_seconds_bucket{le=\"1\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("t_latency_seconds_count 3\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rendering_while_requests_add_new_series_never_fails()
    {
        // A scrape that raced a measurement creating a new series could throw: sorting the live dictionary sized an array
        // by Count and then copied into it, and a series added in between made the copy fail with ArgumentException,
        // which Hearth.Server maps to a 400. Here 20,000 new series arrive one by one while /metrics renders.
        using var meter = new Meter("Hearth.Router.Tests.Exporter." + Guid.NewGuid().ToString("N"));
        using var exporter = new PrometheusExporter(meter);
        var requests = meter.CreateCounter<long>("t_requests");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = Task.Factory.StartNew(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                requests.Add(1, new KeyValuePair<string, object?>("n", i));
                if (i == 10)
                {
                    started.SetResult();
                }

                Thread.SpinWait(20);
            }
        }, TaskCreationOptions.LongRunning);
        await started.Task;
        var renders = 0;
        while (!writer.IsCompleted || renders == 0)
        {
            Assert.StartsWith("# HELP t_requests_total", exporter.Render(), StringComparison.Ordinal);
            renders++;
        }

        await writer;
        Assert.Contains("t_requests_total{n=\"19999\"} 1\n", exporter.Render(), StringComparison.Ordinal);
    }
}
