using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Router.Tests.Support;

namespace Hearth.Router.Tests.EndToEnd;

/// <summary>
/// Two real <c>hearth router</c> processes with one router.yaml (the same SQLite database and a real
/// redis-server) in front of a real <c>hearth serve</c>; the key comes from the real
/// <c>hearth router keys create</c> CLI process. Goes beyond <see cref="AccessThroughRouterTests"/> (in-process
/// hosts, admin API) to separate processes, and through a Redis crash and restart.
/// </summary>
/// <remarks>
/// What a Redis outage does (RedisRateLimiter): neither fail open nor fail closed. Each replica falls back to
/// its own in-process counters, so a key keeps its rpm per replica (up to replicas × rpm in all while Redis is
/// down), requests keep being served, and keys themselves (SQLite) are unaffected. When Redis answers again the
/// replicas go back to the shared counters; a restarted Redis without persistence starts them from zero.
/// </remarks>
public sealed class RouterProcessesSharingRedisTests
{
    private const string Model = "llama-2-tiny-random";
    private const string MasterKey = "sk-master-processes-test";

    [Fact]
    public async Task A_cli_keys_rpm_holds_across_two_router_processes_survives_a_redis_restart_and_its_revocation_reaches_both()
    {
        await using var redis = await RedisServer.LaunchAsync();
        await using var engine = await HearthProcess.ServeAsync();
        using var dir = new TempDir();
        var db = dir.File("router.db");
        var config = dir.File("router.yaml");
        await File.WriteAllTextAsync(config, $$$"""
            backends:
              - {name: engine, url: "{{{engine.Address}}}", health: {period: 1s, timeout: 5s}}
            redis: {{{redis.Url}}}
            database: {{{db}}}
            cache: {enabled: false}
            """);
        var env = new Dictionary<string, string> { ["HEARTH_ROUTER_MASTER_KEY"] = MasterKey };
        var routers = await Task.WhenAll(HearthProcess.RouterAsync(config, env), HearthProcess.RouterAsync(config, env));
        await using var first = routers[0];
        await using var second = routers[1];
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await WaitForModel(http, first.Address);
        await WaitForModel(http, second.Address);

        var key = await CreateKey(db, "--name", "shared", "--rpm", "3");
        var probe = await CreateKey(db, "--name", "probe", "--rpm", "100000");

        // Both processes pick the CLI's key up from the shared database: keys are now required.
        foreach (var router in routers)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            HttpStatusCode status;
            do
            {
                using var anonymous = await Chat(http, router, null);
                status = anonymous.StatusCode;
            }
            while (status != HttpStatusCode.Unauthorized && DateTime.UtcNow < deadline && await Pause());
            Assert.Equal(HttpStatusCode.Unauthorized, status);
        }

        // Three per minute in all, spread over both processes, answered by the real engine; then 429 on either.
        foreach (var router in new[] { first, second, first })
        {
            using var ok = await Chat(http, router, key);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("engine", ok.Headers.GetValues("x-hearth-backend").Single());
            Assert.True((int)JsonNode.Parse(await ok.Content.ReadAsStringAsync())!["usage"]!["completion_tokens"]! > 0);
        }

        await AssertLimited(http, second, key);
        await AssertLimited(http, first, key);

        // Redis crashes. Both processes keep serving; each now counts the key's rpm on its own.
        await redis.StopAsync();
        foreach (var router in routers)
        {
            for (var i = 0; i < 3; i++)
            {
                using var ok = await Chat(http, router, key);
                Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            }

            await AssertLimited(http, router, key);
            using var other = await Chat(http, router, probe);
            Assert.Equal(HttpStatusCode.OK, other.StatusCode); // other keys are unaffected
        }

        Assert.False(first.Exited);
        Assert.False(second.Exited);
        foreach (var router in routers)
        {
            // One warning per outage, not one per request.
            await WaitForLog(router, "Redis is unreachable");
            Assert.Equal(1, Occurrences(router.Log, "Redis is unreachable"));
        }

        // Redis comes back (empty: no persistence). Each process returns to the shared counters by itself.
        await redis.StartAsync();
        foreach (var router in routers)
        {
            await WaitUntilUsingRedis(http, redis, router, probe);
            await WaitForLog(router, "Redis is reachable again");
        }

        foreach (var router in new[] { second, first, second })
        {
            using var ok = await Chat(http, router, key);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        await AssertLimited(http, first, key);
        await AssertLimited(http, second, key);
        var id = await KeyId(db, "shared");
        Assert.Equal(":1", await redis.CommandAsync("EXISTS {hk:" + id + "}:rpm")); // the shared counter is back in Redis

        // Revoked by the CLI: both processes refuse the key (401, not 429) once they have seen the change.
        Assert.Equal(0, (await Cli("router", "keys", "revoke", id, "--db", db)).Code);
        foreach (var router in routers)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            HttpStatusCode status;
            do
            {
                using var revoked = await Chat(http, router, key);
                status = revoked.StatusCode;
            }
            while (status != HttpStatusCode.Unauthorized && DateTime.UtcNow < deadline && await Pause());
            Assert.Equal(HttpStatusCode.Unauthorized, status);
        }
    }

    private static int Occurrences(string text, string part) => (text.Length - text.Replace(part, string.Empty, StringComparison.Ordinal).Length) / part.Length;

    // The console logger writes on its own thread: give the line a moment to arrive.
    private static async Task WaitForLog(HearthProcess router, string line)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!router.Log.Contains(line, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{line}' never appeared in the log of {router.Address}:\n{router.Log}");
            await Task.Delay(100);
        }
    }

    private static async Task<bool> Pause()
    {
        await Task.Delay(100);
        return true;
    }

    private static async Task<HttpResponseMessage> Chat(HttpClient http, HearthProcess router, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(router.Address, "/v1/chat/completions"))
        {
            Content = new StringContent($$"""{"model":"{{Model}}","max_tokens":1,"messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new("Bearer", key);
        }

        return await http.SendAsync(request);
    }

    private static async Task AssertLimited(HttpClient http, HearthProcess router, string key)
    {
        using var limited = await Chat(http, router, key);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.InRange(int.Parse(limited.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture), 1, 60);
        Assert.Equal("0", limited.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        Assert.Equal("rate_limit_exceeded", (string?)JsonNode.Parse(await limited.Content.ReadAsStringAsync())!["error"]!["code"]);
    }

    // A request with the high-limit key makes the process run the limit script in Redis once it has reconnected;
    // nothing else talks to Redis, so a rise in the script counters after one request is that process's.
    private static async Task WaitUntilUsingRedis(HttpClient http, RedisServer redis, HearthProcess router, string probe)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var before = await redis.CallsAsync("evalsha") + await redis.CallsAsync("eval");
            using (var ok = await Chat(http, router, probe))
            {
                Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            }

            if (await redis.CallsAsync("evalsha") + await redis.CallsAsync("eval") > before)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{router.Address} never went back to Redis");
            await Task.Delay(200);
        }
    }

    private static async Task WaitForModel(HttpClient http, Uri router)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(router, "/v1/models"));
            request.Headers.Authorization = new("Bearer", MasterKey); // the master key is accepted on every route
            using var response = await http.SendAsync(request);
            if ((await response.Content.ReadAsStringAsync()).Contains($"\"id\":\"{Model}\"", StringComparison.Ordinal))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{Model} never appeared at {router}");
            await Task.Delay(200);
        }
    }

    private static async Task<(int Code, string Out, string Err)> Cli(params string[] args)
    {
        var start = HearthProcess.Command(args);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        return (process.ExitCode, await output, await error);
    }

    private static async Task<string> CreateKey(string db, params string[] options)
    {
        var (code, output, error) = await Cli(["router", "keys", "create", "--db", db, .. options]);
        Assert.True(code == 0, error);
        var key = output.Trim();
        Assert.StartsWith("hk-", key, StringComparison.Ordinal);
        return key;
    }

    private static async Task<string> KeyId(string db, string name)
    {
        var (code, output, error) = await Cli("router", "keys", "list", "--db", db);
        Assert.True(code == 0, error);
        var line = output.Split('\n').Single(l => l.Contains(" " + name + " ", StringComparison.Ordinal));
        return line[..line.IndexOf(' ', StringComparison.Ordinal)];
    }
}
