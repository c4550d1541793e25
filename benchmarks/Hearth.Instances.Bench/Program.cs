using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Hearth.Instances.Bench;
using Hearth.Instances.Hosting;
using Hearth.Instances.Model;
using Hearth.Instances.Supervision;

// The "Speed and reliability" numbers of the instance supervisor, measured against scripted test servers (this
// program in backend/lines mode). Usage: dotnet Hearth.Instances.Bench.dll [ondemand|proxy|crash|logs|ports ...]
if (args is ["backend", var p])
{
    await Backend.ServeAsync(int.Parse(p, CultureInfo.InvariantCulture));
    return 0;
}

if (args is ["lines", var file, var count, var rate, var total])
{
    return await Backend.LinesAsync(file, int.Parse(count, CultureInfo.InvariantCulture), int.Parse(rate, CultureInfo.InvariantCulture), int.Parse(total, CultureInfo.InvariantCulture));
}

var self = $"{Environment.ProcessPath} {typeof(Backend).Assembly.Location}";
var backendCommand = $"exec {self} backend $PORT";
var which = args.Length > 0 ? args : ["ondemand", "proxy", "crash", "logs", "ports"];
var home = Path.Combine(Path.GetTempPath(), "hearth-bench-" + Guid.NewGuid().ToString("N")[..8]);
var supervisor = await Supervisor.StartAsync(new SupervisorOptions { Home = home, StopGrace = TimeSpan.FromSeconds(2), ReconcilePeriod = TimeSpan.FromMilliseconds(200) });
var app = SupervisorHost.CreateApp(supervisor, new SupervisorHostOptions { Port = 0 });
await app.StartAsync();
var address = SupervisorHost.ListeningAddress(app);
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1000 }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
try
{
    foreach (var name in which)
    {
        switch (name)
        {
            case "ondemand": await OnDemandAsync(); break;
            case "proxy": await ProxyAsync(); break;
            case "crash": await CrashAsync(); break;
            case "logs": await LogsAsync(); break;
            case "ports": await PortsAsync(); break;
        }
    }
}
finally
{
    await app.StopAsync();
    await supervisor.DisposeAsync();
    Directory.Delete(home, true);
}

return 0;

// On-demand start: time to the first proxied answer for a stopped instance, against the backend's own ready time
// (spawn → first answer to GET /health, polled every millisecond, no supervisor involved).
async Task OnDemandAsync()
{
    const int Runs = 20;
    var direct = new List<double>();
    var proxied = new List<double>();
    await supervisor.CreateAsync(new InstanceSpec { Name = "od", Command = backendCommand, Health = "http:/health" });
    // Interleaved, so both see the same machine load (it is shared and busy).
    for (var i = 0; i < Runs; i++)
    {
        var port = FreePort();
        var clock = Stopwatch.StartNew();
        using (var process = Process.Start(new ProcessStartInfo("bash", ["-c", backendCommand.Replace("$PORT", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)]) { RedirectStandardOutput = true })!)
        {
            while (!await AnswersAsync(port))
            {
                await Task.Delay(1);
            }

            direct.Add(clock.Elapsed.TotalMilliseconds);
            process.Kill(true);
            await process.WaitForExitAsync();
        }

        clock.Restart();
        using var response = await http.GetAsync(new Uri("/i/od/health", UriKind.Relative));
        proxied.Add(clock.Elapsed.TotalMilliseconds);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        await supervisor.StopAsync("od");
    }

    Console.WriteLine($"ondemand: backend ready p50 {Stats.Ms(Stats.Percentile(direct, 50))} p95 {Stats.Ms(Stats.Percentile(direct, 95))}; " +
        $"first answer through the proxy p50 {Stats.Ms(Stats.Percentile(proxied, 50))} p95 {Stats.Ms(Stats.Percentile(proxied, 95))}; " +
        $"added p50 {Stats.Ms(Stats.Percentile(proxied, 50) - Stats.Percentile(direct, 50))} p95 {Stats.Ms(Stats.Percentile(proxied, 95) - Stats.Percentile(direct, 95))}");
    await supervisor.RemoveAsync("od");
}

// Proxy overhead: 200 concurrent streaming requests (50 SSE chunks each), direct to the backend and through /i/NAME/.
async Task ProxyAsync()
{
    await supervisor.CreateAsync(new InstanceSpec { Name = "px", Command = backendCommand, Health = "http:/health" });
    await supervisor.StartAsync("px");
    var status = await supervisor.EnsureReadyAsync("px", CancellationToken.None);
    var directBase = new Uri($"http://127.0.0.1:{status.Port}/stream");
    var proxyBase = new Uri(address, "/i/px/stream");
    await RoundAsync(directBase, 1); // warm-up
    await RoundAsync(proxyBase, 1);
    var (dTtfb, dRate) = await RoundAsync(directBase, 3);
    var (pTtfb, pRate) = await RoundAsync(proxyBase, 3);
    Console.WriteLine($"proxy: 200 concurrent streams; time to first byte p50 direct {Stats.Ms(Stats.Percentile(dTtfb, 50))} proxied {Stats.Ms(Stats.Percentile(pTtfb, 50))}, " +
        $"p99 direct {Stats.Ms(Stats.Percentile(dTtfb, 99))} proxied {Stats.Ms(Stats.Percentile(pTtfb, 99))} (added {Stats.Ms(Stats.Percentile(pTtfb, 99) - Stats.Percentile(dTtfb, 99))}); " +
        $"throughput direct {dRate:0} chunks/s, proxied {pRate:0} chunks/s ({100 * pRate / dRate:0}% of direct)");
    await supervisor.RemoveAsync("px");

    async Task<(List<double> Ttfb, double Rate)> RoundAsync(Uri url, int rounds)
    {
        var ttfb = new List<double>();
        long chunks = 0;
        var total = Stopwatch.StartNew();
        for (var r = 0; r < rounds; r++)
        {
            var tasks = Enumerable.Range(0, 200).Select(async _ =>
            {
                var clock = Stopwatch.StartNew();
                using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
                using var stream = await response.Content.ReadAsStreamAsync();
                var buffer = new byte[4096];
                var first = true;
                long bytes = 0;
                int n;
                while ((n = await stream.ReadAsync(buffer)) > 0)
                {
                    if (first)
                    {
                        lock (ttfb)
                        {
                            ttfb.Add(clock.Elapsed.TotalMilliseconds);
                        }

                        first = false;
                    }

                    bytes += n;
                }

                Interlocked.Add(ref chunks, bytes / 40);
            });
            await Task.WhenAll(tasks);
        }

        return (ttfb, chunks / total.Elapsed.TotalSeconds);
    }
}

// Crash detection and first restart: kill -9 the backend; read the supervisor's own log notes for when it saw the
// exit and when it began the new start. Each trial starts from a reset (restart) so each crash is a "first" one.
async Task CrashAsync()
{
    await supervisor.CreateAsync(new InstanceSpec { Name = "cr", Command = backendCommand, Health = "http:/health", Restart = RestartPolicy.Always });
    await supervisor.StartAsync("cr");
    var detect = new List<double>();
    var restart = new List<double>();
    var statuses = new List<int>();
    for (var i = 0; i < 15; i++)
    {
        await supervisor.RestartAsync("cr");
        var s = await supervisor.EnsureReadyAsync("cr", CancellationToken.None);
        var log = supervisor.Logs("cr");
        var after = log.LastSeq;
        var killed = DateTimeOffset.UtcNow;
        Process.GetProcessById(s.Pid!.Value).Kill(); // SIGKILL
        // A request that arrives during the restart waits for it.
        using (var r = await http.GetAsync(new Uri("/i/cr/health", UriKind.Relative)))
        {
            statuses.Add((int)r.StatusCode);
        }

        var lines = log.Tail(after);
        var exited = lines.First(l => l.Text.StartsWith("[hearth] exited", StringComparison.Ordinal)).Time;
        var started = lines.First(l => l.Text.Contains("starting on port", StringComparison.Ordinal)).Time;
        detect.Add((exited - killed).TotalMilliseconds);
        restart.Add((started - exited).TotalMilliseconds);
    }

    Console.WriteLine($"crash: detected p50 {Stats.Ms(Stats.Percentile(detect, 50))} max {Stats.Ms(detect.Max())}; restart begun after p50 {Stats.Ms(Stats.Percentile(restart, 50))} max {Stats.Ms(restart.Max())}; " +
        $"requests during the restart: {statuses.Count(c => c == 200)}/{statuses.Count} answered 200");
    await supervisor.RemoveAsync("cr");
}

// 1 M log lines at 50k lines/s, a crash half way, three clients that drop their connection every ~50k lines and
// resume with Last-Event-ID: each must see every line once, in order.
async Task LogsAsync()
{
    const int Total = 1_000_000;
    var counter = Path.Combine(home, "counter");
    await supervisor.CreateAsync(new InstanceSpec { Name = "lg", Command = $"exec {self} lines {counter} {Total / 2} 50000 {Total}", Health = "none", Restart = RestartPolicy.Always });
    var clock = Stopwatch.StartNew();
    await supervisor.StartAsync("lg");
    var clients = Enumerable.Range(0, 3).Select(_ => ClientAsync()).ToArray();
    var results = await Task.WhenAll(clients);
    Console.WriteLine($"logs: {Total} lines in {clock.Elapsed.TotalSeconds:0.0} s across {supervisor.Get("lg").Restarts} crash(es); " +
        string.Join("; ", results.Select((r, i) => $"client {i + 1}: {r.Count} lines, in order and complete: {r.Ok}, {r.Connections} connections")));
    await supervisor.RemoveAsync("lg");

    async Task<(int Count, bool Ok, int Connections)> ClientAsync()
    {
        var next = 0;
        var ok = true;
        long last = 0;
        var connections = 0;
        while (next < Total && clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            connections++;
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/instances/lg/logs/stream?after={last}", UriKind.Relative));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var read = 0;
            using var stall = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
            while (read < 50_000 && next < Total && await reader.ReadLineAsync(stall.Token) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    continue;
                }

                read++;
                using var doc = JsonDocument.Parse(line.AsMemory(6));
                last = doc.RootElement.GetProperty("seq").GetInt64();
                var text = doc.RootElement.GetProperty("text").GetString()!;
                if (text.StartsWith("n=", StringComparison.Ordinal))
                {
                    ok &= int.Parse(text.AsSpan(2), CultureInfo.InvariantCulture) == next;
                    next++;
                }
            }
            }
            catch (OperationCanceledException)
            {
                // stalled: reconnect
            }
        }
        return (next, ok && next == Total, connections);
    }
}

// Half of a 1000-port range taken by foreign listeners: 100 starts must all succeed.
async Task PortsAsync()
{
    var first = 21000;
    var squatters = new List<TcpListener>();
    var random = new Random(1);
    foreach (var port in Enumerable.Range(first, 1000).OrderBy(_ => random.Next()).Take(500))
    {
        var l = new TcpListener(System.Net.IPAddress.Loopback, port);
        try
        {
            l.Start();
            squatters.Add(l);
        }
        catch (SocketException)
        {
            l.Dispose();
        }
    }

    var home2 = home + "-ports";
    await using (var s = await Supervisor.StartAsync(new SupervisorOptions { Home = home2, PortFirst = first, PortLast = first + 999, StopGrace = TimeSpan.FromSeconds(2) }))
    {
        await s.CreateAsync(new InstanceSpec { Name = "pt", Command = "exec /usr/bin/python3 -m http.server --bind 127.0.0.1 $PORT", Health = "tcp" });
        var ok = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 100; i++)
        {
            await s.StartAsync("pt");
            try
            {
                var st = await s.EnsureReadyAsync("pt", CancellationToken.None);
                ok += squatters.All(q => ((System.Net.IPEndPoint)q.LocalEndpoint).Port != st.Port) ? 1 : 0;
            }
            catch (InstanceUnavailableException)
            {
            }

            await s.StopAsync("pt");
        }

        Console.WriteLine($"ports: {squatters.Count} of 1000 ports held by foreign listeners; {ok}/100 starts ready on a free port ({clock.Elapsed.TotalSeconds:0.0} s)");
    }

    foreach (var q in squatters)
    {
        q.Stop();
        q.Dispose();
    }

    Directory.Delete(home2, true);
}

static int FreePort()
{
    using var l = new TcpListener(System.Net.IPAddress.Loopback, 0);
    l.Start();
    return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
}

async Task<bool> AnswersAsync(int port)
{
    try
    {
        using var r = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health"));
        return r.IsSuccessStatusCode;
    }
    catch (HttpRequestException)
    {
        return false;
    }
}
