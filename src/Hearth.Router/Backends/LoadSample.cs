using System.Globalization;

namespace Hearth.Router.Backends;

/// <summary>A backend's load as its /metrics last said: requests waiting, requests running, KV cache use (0..1).</summary>
public sealed record LoadSample(double Waiting, double Running, double KvCacheUsage)
{
    public static LoadSample Unknown { get; } = new(0, 0, 0);

    /// <summary>
    /// Reads the series load-aware routing needs from Prometheus text: Hearth's <c>hearth_queue_depth</c> and
    /// <c>hearth_active_slots</c>, vLLM's <c>vllm:num_requests_waiting</c>, <c>vllm:num_requests_running</c> and
    /// <c>vllm:gpu_cache_usage_perc</c> (or the newer <c>vllm:kv_cache_usage_perc</c>). Counts are summed over
    /// label sets (one per model); cache use is the maximum. Unknown lines are ignored.
    /// </summary>
    public static LoadSample Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        double waiting = 0, running = 0, kv = 0;
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            var line = raw.Trim();
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }

            var nameEnd = line.IndexOfAny('{', ' ');
            if (nameEnd <= 0)
            {
                continue;
            }

            var name = line[..nameEnd];
            var rest = line[nameEnd] == '{' && line.IndexOf('}') is var close and > 0 ? line[(close + 1)..] : line[nameEnd..];
            rest = rest.Trim();
            var space = rest.IndexOf(' ');
            var field = space < 0 ? rest : rest[..space]; // a timestamp may follow the value
            if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            switch (name)
            {
                case "hearth_queue_depth" or "vllm:num_requests_waiting":
                    waiting += value;
                    break;
                case "hearth_active_slots" or "vllm:num_requests_running":
                    running += value;
                    break;
                case "vllm:gpu_cache_usage_perc" or "vllm:kv_cache_usage_perc":
                    kv = Math.Max(kv, value);
                    break;
                default:
                    break;
            }
        }

        return new LoadSample(waiting, running, kv);
    }
}
