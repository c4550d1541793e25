using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Router;
using Hearth.Router.Config;
using Hearth.RouterBench;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

// Router overhead: the same requests straight to a fast in-process upstream and through the router to it,
// measured side by side in one process (phases alternate so machine noise hits both). Keys, limits and metrics
// are on: every request carries a real virtual key (high rpm/tpm) that the router's gate looks up by HMAC and whose
// limiter counts it, in process or in Redis (--redis URL, or --redis-server to start a redis-server child).
// Usage: dotnet run -c Release --project benchmarks/Hearth.RouterBench -- [--rate 1000] [--seconds 5] [--rounds 2]
//        [--concurrency 32] [--redis redis://127.0.0.1:6379 | --redis-server] [--soak SECONDS] [--pacer sleep|spin]
var rate = Arg("--rate", 1000);
var seconds = Arg("--seconds", 5);
var rounds = Arg("--rounds", 2);
var concurrency = Arg("--concurrency", 32);
var soakSeconds = Arg("--soak", 0);
var pacer = StringArg("--pacer") == "spin" ? PacerKind.Spin : PacerKind.Sleep;
var invariant = CultureInfo.InvariantCulture;
await using var redisChild = args.Contains("--redis-server") ? await RedisChild.StartNewAsync() : null;
var redisUrl = redisChild?.Url ?? StringArg("--redis");

var answer = Encoding.UTF8.GetBytes("""{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""");
var upstreamBuilder = WebApplication.CreateSlimBuilder();
upstreamBuilder.Logging.ClearProviders();
upstreamBuilder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
await using var upstream = upstreamBuilder.Build();
upstream.MapGet("/health", () => "ok");
upstream.MapPost("/v1/chat/completions", async (HttpContext c) =>
{
    using var received = new MemoryStream();
    await c.Request.Body.CopyToAsync(received);
    if (received.GetBuffer().AsSpan(0, (int)received.Length).IndexOf("\"stream\":true"u8) < 0)
    {
        c.Response.ContentType = "application/json";
        await c.Response.Body.WriteAsync(answer);
        return;
    }

    c.Response.ContentType = "text/event-stream";
    for (var i = 0; i < 50; i++)
    {
        await c.Response.WriteAsync("data: {\"choices\":[{\"delta\":{\"content\":\"tok\"}}]}\n\n");
        await c.Response.Body.FlushAsync();
    }
});
await upstream.StartAsync();
var upstreamUrl = new Uri(upstream.Urls.First());

// The master key (for /admin/keys) comes from the environment, as in `hearth router`; a fresh one per run.
const string masterKeyEnv = "HEARTH_ROUTERBENCH_MASTER_KEY";
var masterKey = "sk-bench-" + Guid.NewGuid().ToString("N");
Environment.SetEnvironmentVariable(masterKeyEnv, masterKey);
var options = RouterConfigLoader.Load($$$"""
    backends:
      - {name: fast, url: "{{{upstreamUrl}}}", models: [m], max_concurrency: 100000, health: {period: 1h}}
    master_key_env: {{{masterKeyEnv}}}
    """ + (redisUrl is null ? string.Empty : $"\nredis: {redisUrl}\n"), "bench.yaml", _ => null);
options.Port = 0;
// A database of its own (keys, registry); the cache is off so every request reaches the upstream.
var database = Path.Combine(Path.GetTempPath(), $"hearth-routerbench-{Environment.ProcessId}.db");
options.Database = database;
options.Cache.Enabled = false;
await using var router = RouterHost.CreateApp(options, new RouterHostOptions { ConfigureLogging = l => l.ClearProviders() });
await router.StartAsync();
var routerUrl = RouterHost.ListeningAddress(router);

var body = Encoding.UTF8.GetBytes("""{"model":"m","messages":[{"role":"user","content":"Hello there"}],"max_tokens":8}""");
var streamBody = Encoding.UTF8.GetBytes("""{"model":"m","stream":true,"messages":[{"role":"user","content":"Hello there"}],"max_tokens":50}""");
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, UseProxy = false });

// A real virtual key through the admin API. Once it exists the gate refuses requests without one, so every routed
// request below pays for the key lookup and the limit check. The direct path gets the same header (ignored there).
string virtualKey;
using (var create = new HttpRequestMessage(HttpMethod.Post, new Uri(routerUrl, "/admin/keys"))
{
    Content = JsonContent.Create(new { name = "bench", rpm = 1_000_000_000L, tpm = 1_000_000_000_000L }),
})
{
    create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", masterKey);
    using var created = await http.SendAsync(create);
    if (created.StatusCode != HttpStatusCode.Created)
    {
        throw new InvalidOperationException($"creating the bench key: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
    }

    virtualKey = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["key"]!;
}

using (var anonymous = await http.PostAsync(new Uri(routerUrl, "/v1/chat/completions"), new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } }))
{
    if (anonymous.StatusCode != HttpStatusCode.Unauthorized)
    {
        throw new InvalidOperationException($"expected 401 without a key once one exists, got {(int)anonymous.StatusCode}");
    }
}

http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", virtualKey);
Console.WriteLine($"keys on (401 without the key checked), limits {(redisUrl is null ? "in process" : "in Redis at " + redisUrl)}, metrics on");

async Task<double> One(Uri target, string path, bool stream = false)
{
    var start = Stopwatch.GetTimestamp();
    using var content = new ByteArrayContent(stream ? streamBody : body);
    content.Headers.ContentType = new("application/json");
    using var response = await http.PostAsync(new Uri(target, path), content);
    if (stream)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (text.Split("data: ").Length - 1 != 50)
        {
            throw new InvalidOperationException($"expected 50 events from {target}: {text}");
        }
    }
    else
    {
        await response.Content.CopyToAsync(Stream.Null);
    }

    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"{target}{path}: {(int)response.StatusCode}");
    }

    return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
}

// Open loop at a fixed rate: a request starts every 1/rate s whether or not earlier ones finished (see Pacer).
async Task<List<double>> Paced(Uri target, string path)
{
    var tasks = new Task<double>[rate * seconds];
    await Pacer.RunAsync(pacer, rate, tasks.Length, i => tasks[i] = One(target, path));
    return [.. await Task.WhenAll(tasks)];
}

// Closed loop: `concurrency` clients back to back, for throughput.
async Task<double> Throughput(Uri target)
{
    var stop = Stopwatch.StartNew();
    var count = 0L;
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        while (stop.Elapsed.TotalSeconds < seconds)
        {
            await One(target, "/v1/chat/completions");
            Interlocked.Increment(ref count);
        }
    }));
    return count / stop.Elapsed.TotalSeconds;
}

static double Pct(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

// Warm up both paths (JIT, connection pools).
for (var i = 0; i < 2000; i++)
{
    await One(upstreamUrl, "/v1/chat/completions");
    await One(routerUrl, "/v1/chat/completions");
}

if (soakSeconds > 0)
{
    Func<Task>? restart = redisChild is null ? null : async () =>
    {
        await redisChild.StopAsync();
        Console.WriteLine("redis-server killed; starting it again in 5 s");
        await Task.Delay(TimeSpan.FromSeconds(5));
        await redisChild.StartAsync();
        Console.WriteLine("redis-server back (empty)");
    };
    var soakCode = await new Soak(pacer, rate, soakSeconds, () => One(routerUrl, "/v1/chat/completions"), restart).RunAsync();
    Console.WriteLine($"limiter: {await Remaining()} requests left in the key's sliding minute");
    await Finish();
    return soakCode;
}

var direct = new List<double>();
var routed = new List<double>();
for (var r = 0; r < rounds; r++)
{
    direct.AddRange(await Paced(upstreamUrl, "/v1/chat/completions"));
    routed.AddRange(await Paced(routerUrl, "/v1/chat/completions"));
}

direct.Sort();
routed.Sort();
Console.WriteLine($"open loop at {rate} rps ({pacer.ToString().ToLowerInvariant()} pacer), {rounds} x {seconds} s per path ({direct.Count} requests each)");
Console.WriteLine("| path | p50 ms | p95 ms | p99 ms |");
Console.WriteLine("| --- | ---: | ---: | ---: |");
foreach (var (name, list) in new[] { ("direct", direct), ("router", routed) })
{
    Console.WriteLine(string.Create(invariant, $"| {name} | {Pct(list, 0.5):F3} | {Pct(list, 0.95):F3} | {Pct(list, 0.99):F3} |"));
}

Console.WriteLine(string.Create(invariant, $"| added | {Pct(routed, 0.5) - Pct(direct, 0.5):F3} | {Pct(routed, 0.95) - Pct(direct, 0.95):F3} | {Pct(routed, 0.99) - Pct(direct, 0.99):F3} |"));

var directRps = await Throughput(upstreamUrl);
var routerRps = await Throughput(routerUrl);
Console.WriteLine(string.Create(invariant, $"closed loop, {concurrency} clients: direct {directRps:F0} rps, through the router {routerRps:F0} rps"));

var streamDirect = new List<double>();
var streamRouted = new List<double>();
for (var i = 0; i < 200; i++)
{
    streamDirect.Add(await One(upstreamUrl, "/v1/chat/completions", stream: true));
    streamRouted.Add(await One(routerUrl, "/v1/chat/completions", stream: true));
}

streamDirect.Sort();
streamRouted.Sort();
Console.WriteLine(string.Create(invariant, $"stream of 50 chunks: p50 direct {Pct(streamDirect, 0.5):F3} ms, router {Pct(streamRouted, 0.5):F3} ms, added per chunk {(Pct(streamRouted, 0.5) - Pct(streamDirect, 0.5)) / 50:F4} ms"));
Console.WriteLine(string.Create(invariant, $"GC heap after the run: {GC.GetTotalMemory(false) / 1048576.0:F1} MiB"));
Console.WriteLine($"limiter: {await Remaining()} requests left in the key's sliding minute");
await Finish();
return 0;

// The limiter's own count, from the last answer's header: proof that it counted the run's requests.
async Task<string> Remaining()
{
    using var content = new ByteArrayContent(body);
    content.Headers.ContentType = new("application/json");
    using var response = await http.PostAsync(new Uri(routerUrl, "/v1/chat/completions"), content);
    return response.Headers.TryGetValues("x-ratelimit-remaining-requests", out var v) ? v.Single() : "(no header)";
}

async Task Finish()
{
    await router.StopAsync();
    await upstream.StopAsync();
    foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
    {
        File.Delete(database + suffix);
    }
}

string? StringArg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
