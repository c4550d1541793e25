using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

// Load test for `hearth serve`: N concurrent clients stream chat completions from a server on
// 127.0.0.1 and report aggregate generation tokens/s, time-to-first-token and inter-token latency.
// Usage: dotnet run -c Release --project benchmarks/Hearth.LoadTest -- URL MODEL CLIENTS[,CLIENTS...] [MAX_TOKENS] [REQUESTS_PER_CLIENT]
// Repeating counts alternately (1,4,1,4,1,4) adds a summary of medians and paired ratios.
var baseUrl = args.Length > 0 ? args[0] : "http://127.0.0.1:8080";
if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || !uri.IsLoopback)
{
    Console.Error.WriteLine("The load test only targets loopback addresses.");
    return 2;
}

var model = args.Length > 1 ? args[1] : "model";
var clientCounts = (args.Length > 2 ? args[2] : "1,4,16").Split(',').Select(int.Parse).ToArray();
var maxTokens = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 32;
var perClient = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 2;
using var http = new HttpClient { BaseAddress = uri, Timeout = TimeSpan.FromMinutes(10) };

// One request first, not measured: loads the model and lets the JIT reach optimized code, which would
// otherwise be charged to whichever row runs first.
var warmUp = await StreamOne(http, model, "Warm-up: say hello.", maxTokens);
Console.WriteLine($"warm-up: {(warmUp.Ok ? "ok" : "failed")}, prompt tokens per request ~{warmUp.PromptTokens}, max_tokens {maxTokens}");
Console.WriteLine();
Console.WriteLine("| clients | requests | errors | aggregate tok/s | TTFT p50 ms | TTFT p99 ms | ITL p50 ms | ITL p99 ms |");
Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
// Aggregate tokens/s per client count in run order: counts repeated alternately (1,4,1,4,...) get a summary below,
// which is how batching gains are read on a shared machine whose speed drifts between runs.
var rates = new List<(int Clients, double Rate)>();
foreach (var clients in clientCounts)
{
    var ttft = new List<double>();
    var itl = new List<double>();
    var tokens = 0;
    var errors = 0;
    var gate = new Lock();
    var wall = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
    {
        for (var r = 0; r < perClient; r++)
        {
            var (first, gaps, count, ok, _) = await StreamOne(http, model, $"Client {c} request {r}: tell me a story about the sea.", maxTokens);
            lock (gate)
            {
                if (!ok)
                {
                    errors++;
                    continue;
                }

                ttft.Add(first);
                itl.AddRange(gaps);
                tokens += count;
            }
        }
    }));
    var seconds = wall.Elapsed.TotalSeconds;
    rates.Add((clients, tokens / seconds));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {clients} | {clients * perClient} | {errors} | {tokens / seconds:F1} | {P(ttft, 50):F0} | {P(ttft, 99):F0} | {P(itl, 50):F0} | {P(itl, 99):F0} |"));
}

if (rates.Count > rates.Select(r => r.Clients).Distinct().Count())
{
    Console.WriteLine();
    Console.WriteLine(Summary(rates));
}

return 0;

// Median aggregate per client count, its ratio to the single-client median, and each run's ratio to the single-client
// run just before it (drift between distant runs cancels out of those).
static string Summary(List<(int Clients, double Rate)> rates)
{
    var text = new System.Text.StringBuilder("| clients | runs | median tok/s | x 1 client (medians) | x the 1-client run before (median of pairs) |\n| ---: | ---: | ---: | ---: | ---: |\n");
    var single = Median(rates.Where(r => r.Clients == 1).Select(r => r.Rate).ToList());
    foreach (var group in rates.GroupBy(r => r.Clients).OrderBy(g => g.Key))
    {
        var median = Median(group.Select(r => r.Rate).ToList());
        var paired = new List<double>();
        for (var i = 1; i < rates.Count; i++)
        {
            if (rates[i].Clients == group.Key && group.Key != 1 && rates[i - 1].Clients == 1)
            {
                paired.Add(rates[i].Rate / rates[i - 1].Rate);
            }
        }

        text.Append(string.Create(CultureInfo.InvariantCulture,
            $"| {group.Key} | {group.Count()} | {median:F1} | {median / single:F2} | {(paired.Count > 0 ? Median(paired).ToString("F2", CultureInfo.InvariantCulture) : "-")} |\n"));
    }

    return text.ToString().TrimEnd();
}

static double Median(List<double> values)
{
    if (values.Count == 0)
    {
        return double.NaN;
    }

    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

static double P(List<double> values, double percentile)
{
    if (values.Count == 0)
    {
        return double.NaN;
    }

    var sorted = values.Order().ToArray();
    return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(percentile / 100 * sorted.Length) - 1)];
}

static async Task<(double FirstMs, List<double> GapsMs, int Tokens, bool Ok, int PromptTokens)> StreamOne(HttpClient http, string model, string prompt, int maxTokens)
{
    var body = new
    {
        model,
        stream = true,
        max_tokens = maxTokens,
        temperature = 0.8,
        seed = 1,
        stream_options = new { include_usage = true },
        messages = new[] { new { role = "user", content = prompt } },
    };
    var sw = Stopwatch.StartNew();
    using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(body) };
    try
    {
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            return (0, [], 0, false, 0);
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var gaps = new List<double>();
        double first = -1, last = 0;
        var count = 0;
        var usageTokens = -1;
        var promptTokens = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal) || line == "data: [DONE]")
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line.AsMemory(6));
            if (doc.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                usageTokens = usage.GetProperty("completion_tokens").GetInt32();
                promptTokens = usage.GetProperty("prompt_tokens").GetInt32();
            }

            var choices = doc.RootElement.GetProperty("choices");
            if (choices.GetArrayLength() == 0 || !choices[0].GetProperty("delta").TryGetProperty("content", out var content) || content.GetString() is not { Length: > 0 })
            {
                continue;
            }

            var now = sw.Elapsed.TotalMilliseconds;
            if (first < 0)
            {
                first = now;
            }
            else
            {
                gaps.Add(now - last);
            }

            last = now;
            count++;
        }

        // Generated tokens from the server's usage report; content chunks only when it sends none.
        return (first, gaps, usageTokens >= 0 ? usageTokens : count, first >= 0, promptTokens);
    }
    catch (HttpRequestException)
    {
        return (0, [], 0, false, 0);
    }
}
