using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Router.Tests.Support;

namespace Hearth.Router.Tests.EndToEnd;

/// <summary>
/// The real access layer (SQLite keys, limiters, admin API) inside the router host exactly as <c>hearth router</c>
/// builds it: keys created through /admin/keys switch authentication on, and limits hold across two router
/// replicas that share the database and a real redis-server.
/// </summary>
public sealed class AccessThroughRouterTests
{
    private static readonly string MasterKeyEnv = "HEARTH_TEST_MASTER_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private const string MasterKey = "sk-master-test";

    static AccessThroughRouterTests() => Environment.SetEnvironmentVariable(MasterKeyEnv, MasterKey);

    private static string Config(Uri upstream, string extra = "") =>
        "backends:\n" + RunningRouter.Backend("a", upstream) + $"master_key_env: {MasterKeyEnv}\ncache: {{enabled: false}}\n" + extra;

    private static async Task<HttpResponseMessage> Chat(RunningRouter router, string? key, string text)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"m","messages":[{"role":"user","content":"{{text}}"}]}""", Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new("Bearer", key);
        }

        return await router.Http.SendAsync(request);
    }

    private static async Task<string> CreateKey(RunningRouter router, object spec) => (await CreateKeyWithId(router, spec)).Key;

    private static async Task<(string Key, string Id)> CreateKeyWithId(RunningRouter router, object spec)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/keys") { Content = JsonContent.Create(spec) };
        request.Headers.Authorization = new("Bearer", MasterKey);
        using var response = await router.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return ((string)created["key"]!, (string)created["id"]!);
    }

    [Fact]
    public async Task A_key_revoked_through_the_admin_api_is_refused_by_the_next_request_though_it_was_just_verified()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        await using var router = await RunningRouter.StartAsync(Config(upstream.Address));
        var (doomed, doomedId) = await CreateKeyWithId(router, new { name = "doomed", rpm = 1000 });
        var kept = await CreateKey(router, new { name = "kept", rpm = 1000 });
        var directory = (Hearth.Router.Access.KeyDirectory)router.App.Services.GetService(typeof(Hearth.Router.Access.KeyDirectory))!;

        for (var i = 0; i < 3; i++)
        {
            using var ok = await Chat(router, doomed, $"before revoke {i}");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            using var other = await Chat(router, kept, $"other before {i}");
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        Assert.Equal(2, directory.Current.VerifiedCount); // both tokens are remembered: later requests skip the HMAC

        using (var revoke = new HttpRequestMessage(HttpMethod.Delete, "/admin/keys/" + doomedId))
        {
            revoke.Headers.Authorization = new("Bearer", MasterKey);
            using var revoked = await router.Http.SendAsync(revoke);
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        using (var refused = await Chat(router, doomed, "after revoke"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("revoked", (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!["message"], StringComparison.Ordinal);
        }

        using (var still = await Chat(router, kept, "other after"))
        {
            Assert.Equal(HttpStatusCode.OK, still.StatusCode);
        }

        using (var forged = await Chat(router, doomed + "x", "a near miss"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        }

        // A fresh generation: the two tokens seen since the revoke (the revoked one maps to its revoked record, which the
        // gate refuses on every request); the near miss matched nothing and is not remembered.
        Assert.Equal(2, directory.Current.VerifiedCount);
        Assert.Equal(3 + 3 + 1, upstream.Requests.Count);
    }

    [Fact]
    public async Task A_key_made_through_the_admin_api_switches_keys_on_and_its_rpm_answers_429()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        await using var router = await RunningRouter.StartAsync(Config(upstream.Address));

        using (var open = await Chat(router, null, "before any key"))
        {
            Assert.Equal(HttpStatusCode.OK, open.StatusCode); // no key exists yet and require_keys is off
        }

        using (var admin = await router.Http.GetAsync(new Uri("/admin/keys", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, admin.StatusCode);
        }

        var key = await CreateKey(router, new { name = "ci", rpm = 2 });
        using (var none = await Chat(router, null, "no key"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        }

        using (var wrong = await Chat(router, "sk-hearth-not-a-key", "wrong key"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        for (var i = 0; i < 2; i++)
        {
            using var ok = await Chat(router, key, $"request {i}");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("a", ok.Headers.GetValues("x-hearth-backend").Single());
        }

        using var limited = await Chat(router, key, "one too many");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Equal("rate_limit_exceeded", (string?)JsonNode.Parse(await limited.Content.ReadAsStringAsync())!["error"]!["code"]);
        Assert.Equal(3, upstream.Requests.Count); // the refused ones never reached the backend
    }

    [Fact]
    public async Task Two_router_replicas_share_keys_through_sqlite_and_limits_through_redis()
    {
        await using var redis = await RedisServer.LaunchAsync();
        await using var upstream = await ScriptedUpstream.StartAsync();
        using var dir = new TempDir();
        var env = new Dictionary<string, string> { ["SQLITE_DB_PATH"] = Path.Combine(dir.Path, "router.db") };
        var yaml = Config(upstream.Address, $"redis: {redis.Url}\n");
        await using var first = await RunningRouter.StartAsync(yaml, environment: env);
        await using var second = await RunningRouter.StartAsync(yaml, environment: env);

        var key = await CreateKey(first, new { name = "shared", rpm = 3 });

        // The second replica learns of the key by polling the database's data_version (every 250 ms).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode status;
        do
        {
            await Task.Delay(100);
            using var probe = await Chat(second, null, "probe");
            status = probe.StatusCode;
        }
        while (status != HttpStatusCode.Unauthorized && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.Unauthorized, status);

        // Three requests per minute in all, spread over both replicas: the fourth is refused wherever it lands.
        var replicas = new[] { first, second, first };
        for (var i = 0; i < replicas.Length; i++)
        {
            using var ok = await Chat(replicas[i], key, $"request {i}");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using (var limited = await Chat(second, key, "fourth"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        }

        using (var limitedToo = await Chat(first, key, "fifth"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limitedToo.StatusCode);
        }
    }
}
