using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Hearth.Server.Observability;

/// <summary>
/// Listens to one Meter and renders its instruments in the Prometheus text exposition format
/// (version 0.0.4): counters as <c>_total</c>, histograms as cumulative <c>_bucket</c>/<c>_sum</c>/<c>_count</c>,
/// observable gauges read at scrape time.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), Series> series = new();
    private readonly List<Instrument> instruments = [];
    private readonly Lock gate = new();

    public PrometheusExporter(Meter meter)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                lock (gate)
                {
                    instruments.Add(instrument);
                }

                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        listener.Start();
    }

    public string Render()
    {
        lock (gate)
        {
            listener.RecordObservableInstruments();
            var text = new StringBuilder();
            // One consistent snapshot: sorting the live dictionary sizes an array by Count and then copies into it, and a
            // request adding a series in between made that throw (ArgumentException, which the API maps to a 400).
            var all = series.ToArray();
            foreach (var instrument in instruments)
            {
                var kind = instrument switch
                {
                    Counter<long> => "counter",
                    Histogram<double> => "histogram",
                    _ => "gauge",
                };
                var name = instrument.Name + (kind == "counter" ? "_total" : instrument.Unit == "seconds" ? "_seconds" : string.Empty);
                text.Append("# HELP ").Append(name).Append(' ').Append(instrument.Description).Append('\n');
                text.Append("# TYPE ").Append(name).Append(' ').Append(kind).Append('\n');
                foreach (var ((inst, labels), s) in all.OrderBy(p => p.Key.Labels, StringComparer.Ordinal))
                {
                    if (!ReferenceEquals(inst, instrument))
                    {
                        continue;
                    }

                    s.Write(text, name, labels, kind);
                }
            }

            return text.ToString();
        }
    }

    public void Dispose() => listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new StringBuilder();
        foreach (var tag in tags)
        {
            labels.Append(labels.Length == 0 ? string.Empty : ",").Append(tag.Key).Append("=\"")
                .Append(Escape(Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty)).Append('"');
        }

        var s = series.GetOrAdd((instrument, labels.ToString()), _ => new Series(Boundaries(instrument)));
        s.Add(instrument is ObservableGauge<int> or ObservableGauge<double> or ObservableGauge<long>, value);
    }

    /// <summary>A histogram's bucket boundaries as its instrument advises; the latency buckets otherwise.</summary>
    private static IReadOnlyList<double> Boundaries(Instrument instrument) =>
        instrument is Histogram<double> { Advice.HistogramBucketBoundaries: { } advised } ? advised : ServerMetrics.LatencyBuckets;

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private sealed class Series(IReadOnlyList<double> boundaries)
    {
        private readonly long[] buckets = new long[boundaries.Count];
        private double sum;
        private long count;

        public void Add(bool replace, double value)
        {
            lock (buckets)
            {
                if (replace)
                {
                    sum = value;
                    return;
                }

                sum += value;
                count++;
                for (var i = 0; i < buckets.Length; i++)
                {
                    if (value <= boundaries[i])
                    {
                        buckets[i]++;
                    }
                }
            }
        }

        public void Write(StringBuilder text, string name, string labels, string kind)
        {
            lock (buckets)
            {
                if (kind != "histogram")
                {
                    text.Append(name).Append(Braces(labels)).Append(' ').Append(Number(sum)).Append('\n');
                    return;
                }

                var sep = labels.Length == 0 ? string.Empty : labels + ",";
                for (var i = 0; i < buckets.Length; i++)
                {
                    text.Append(name).Append("_bucket{").Append(sep).Append("le=\"").Append(Number(boundaries[i]))
                        .Append("\"} ").Append(buckets[i]).Append('\n');
                }

                text.Append(name).Append("_bucket{").Append(sep).Append("le=\"+Inf\"} ").Append(count).Append('\n');
                text.Append(name).Append("_sum").Append(Braces(labels)).Append(' ').Append(Number(sum)).Append('\n');
                text.Append(name).Append("_count").Append(Braces(labels)).Append(' ').Append(count).Append('\n');
            }
        }

        private static string Braces(string labels) => labels.Length == 0 ? string.Empty : "{" + labels + "}";
    }
}
