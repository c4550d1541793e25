using System.Diagnostics.Metrics;

namespace Hearth.Server.Observability;

/// <summary>
/// The server's instruments (System.Diagnostics.Metrics, so any OpenTelemetry pipeline can read them
/// too). One Meter per server instance: several servers in one process (tests) never mix numbers.
/// </summary>
internal sealed class ServerMetrics : IDisposable
{
    public const string MeterName = "Hearth.Server";

    /// <summary>Time-to-first-token buckets in seconds: from a warm cache on a tiny model (ms) to a long prompt on CPU (tens of s).</summary>
    public static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>Step buckets in seconds: a tiny model's step (sub-ms) to a long prompt chunk on CPU (seconds).</summary>
    public static readonly double[] StepBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 10];

    private readonly Counter<long> requests;
    private readonly Counter<long> promptTokens;
    private readonly Counter<long> cachedPromptTokens;
    private readonly Counter<long> generatedTokens;
    private readonly Histogram<double> timeToFirstToken;
    private readonly Histogram<double> stepDuration;
    private double tokensPerSecond;

    public ServerMetrics(Func<(int QueueDepth, int ActiveSlots, int LoadedModels)> state)
    {
        Meter = new Meter(MeterName);
        requests = Meter.CreateCounter<long>("hearth_requests", description: "HTTP requests by route and status code");
        promptTokens = Meter.CreateCounter<long>("hearth_prompt_tokens", description: "Prompt tokens received");
        cachedPromptTokens = Meter.CreateCounter<long>("hearth_cached_prompt_tokens", description: "Prompt tokens reused from a slot's KV cache");
        generatedTokens = Meter.CreateCounter<long>("hearth_generated_tokens", description: "Tokens generated");
        timeToFirstToken = Meter.CreateHistogram<double>("hearth_time_to_first_token", unit: "seconds",
            description: "Time from queueing a request to its first generated token",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        stepDuration = Meter.CreateHistogram<double>("hearth_step_duration", unit: "seconds",
            description: "Scheduler steps by phase: the batched forward pass, and sampling plus streaming out of its tokens",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StepBuckets });
        Meter.CreateObservableGauge("hearth_queue_depth", () => state().QueueDepth, description: "Requests waiting for a slot");
        Meter.CreateObservableGauge("hearth_active_slots", () => state().ActiveSlots, description: "Sequences being generated");
        Meter.CreateObservableGauge("hearth_loaded_models", () => state().LoadedModels, description: "Models in memory");
        Meter.CreateObservableGauge("hearth_generation_tokens_per_second", () => Volatile.Read(ref tokensPerSecond),
            description: "Decode throughput of recent steps, all sequences together (exponentially smoothed)");
    }

    public Meter Meter { get; }

    public void RecordRequest(string route, int status) =>
        requests.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("status", status));

    public void RecordPromptTokens(int tokens, int cached)
    {
        promptTokens.Add(tokens);
        cachedPromptTokens.Add(cached);
    }

    public void RecordGeneratedTokens(int tokens) => generatedTokens.Add(tokens);

    public void RecordTimeToFirstToken(TimeSpan elapsed) => timeToFirstToken.Record(elapsed.TotalSeconds);

    /// <summary>One scheduler step: its two phases go to the step histogram; decode tokens produced over the forward
    /// pass's time are smoothed into the throughput gauge (weight 0.2 per step).</summary>
    public void RecordStep(int decodeTokens, TimeSpan forward, TimeSpan sampling)
    {
        stepDuration.Record(forward.TotalSeconds, new KeyValuePair<string, object?>("phase", "forward"));
        stepDuration.Record(sampling.TotalSeconds, new KeyValuePair<string, object?>("phase", "sampling"));
        if (decodeTokens == 0 || forward <= TimeSpan.Zero)
        {
            return;
        }

        var rate = decodeTokens / forward.TotalSeconds;
        var old = Volatile.Read(ref tokensPerSecond);
        Volatile.Write(ref tokensPerSecond, old == 0 ? rate : (0.8 * old) + (0.2 * rate));
    }

    public void Dispose() => Meter.Dispose();
}
