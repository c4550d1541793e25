using System.Diagnostics.Metrics;
using Hearth.Router.Backends;

namespace Hearth.Router.Observability;

/// <summary>
/// The router's instruments (one Meter per router instance, so routers in one test process never mix numbers):
/// requests by route/model/backend/status, retries, fallbacks, cache results, gate refusals, in-flight and
/// health per backend, time to first byte, total latency, and the router's own added latency.
/// </summary>
internal sealed class RouterMetrics : IDisposable
{
    public const string MeterName = "Hearth.Router";

    /// <summary>Upstream latency buckets in seconds: a cached or tiny answer (ms) to a long generation (a minute).</summary>
    public static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>Added-latency buckets in seconds: the goal is p50 ≤ 0.3 ms, p99 ≤ 1 ms, so resolution is finest there.</summary>
    public static readonly double[] OverheadBuckets = [0.00005, 0.0001, 0.0002, 0.0003, 0.0005, 0.00075, 0.001, 0.002, 0.005, 0.01, 0.05];

    private readonly Counter<long> requests;
    private readonly Counter<long> retries;
    private readonly Counter<long> fallbacks;
    private readonly Counter<long> cache;
    private readonly Counter<long> refusals;
    private readonly Histogram<double> ttft;
    private readonly Histogram<double> duration;
    private readonly Histogram<double> overhead;

    public RouterMetrics(Func<RoutingTable> table, TimeProvider time)
    {
        Meter = new Meter(MeterName);
        requests = Meter.CreateCounter<long>("hearth_router_requests", description: "Proxied requests by route, model, backend and status code");
        retries = Meter.CreateCounter<long>("hearth_router_retries", description: "Upstream attempts that failed before the first byte and were retried elsewhere, by backend and reason");
        fallbacks = Meter.CreateCounter<long>("hearth_router_fallbacks", description: "Requests moved to a fallback model, by original and fallback model");
        cache = Meter.CreateCounter<long>("hearth_router_cache", description: "Response cache lookups by result (hit, miss)");
        refusals = Meter.CreateCounter<long>("hearth_router_refusals", description: "Requests the key gate refused, by outcome (unauthorized, forbidden, rate_limited)");
        ttft = Meter.CreateHistogram<double>("hearth_router_time_to_first_byte", unit: "seconds",
            description: "From sending a request upstream to its first body byte, by backend",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        duration = Meter.CreateHistogram<double>("hearth_router_request_duration", unit: "seconds",
            description: "Whole request time through the router, by route",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        overhead = Meter.CreateHistogram<double>("hearth_router_added_latency", unit: "seconds",
            description: "Time the router itself spent on a request: total minus time waiting on the upstream",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = OverheadBuckets });
        Meter.CreateObservableGauge("hearth_router_in_flight", () => table().Backends.Select(b =>
            new Measurement<int>(b.State.InFlight, new KeyValuePair<string, object?>("backend", b.Name))), description: "Requests in flight per backend");
        Meter.CreateObservableGauge("hearth_router_backend_healthy", () => table().Backends.Select(b =>
            new Measurement<int>(b.State.Available(time.GetUtcNow()) ? 1 : 0, new KeyValuePair<string, object?>("backend", b.Name))),
            description: "1 when the backend passes health checks and its circuit is closed");
    }

    public Meter Meter { get; }

    public void Request(string route, string model, string backend, int status) => requests.Add(1,
        new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("model", model),
        new KeyValuePair<string, object?>("backend", backend), new KeyValuePair<string, object?>("status", status));

    public void Retry(string backend, string reason) =>
        retries.Add(1, new KeyValuePair<string, object?>("backend", backend), new KeyValuePair<string, object?>("reason", reason));

    public void Fallback(string from, string to) =>
        fallbacks.Add(1, new KeyValuePair<string, object?>("from", from), new KeyValuePair<string, object?>("to", to));

    public void Cache(bool hit) => cache.Add(1, new KeyValuePair<string, object?>("result", hit ? "hit" : "miss"));

    public void Refused(string outcome) => refusals.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void TimeToFirstByte(string backend, TimeSpan elapsed) =>
        ttft.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("backend", backend));

    public void Duration(string route, TimeSpan elapsed) => duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("route", route));

    public void Overhead(TimeSpan elapsed) => overhead.Record(Math.Max(0, elapsed.TotalSeconds));

    public void Dispose() => Meter.Dispose();
}
