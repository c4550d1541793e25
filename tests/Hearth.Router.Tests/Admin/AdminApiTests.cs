using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Router.Access;
using Hearth.Router.Registry;
using Hearth.Router.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Router.Tests.Admin;

public sealed class AdminApiTests : IAsyncLifetime
{
    private AdminHost host = null!;

    public async Task InitializeAsync() => host = await AdminHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, string? json = null, string? bearer = RouterFixture.MasterKey)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = bearer is null ? null : new AuthenticationHeaderValue("Bearer", bearer);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await host.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private static void AssertOpenAIError(JsonNode? body, string? param)
    {
        var error = body!["error"]!.AsObject();
        Assert.Equal(["message", "type", "param", "code"], error.Select(p => p.Key));
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));
        Assert.Equal(param, (string?)error["param"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    public async Task Every_admin_route_needs_the_master_key(string? bearer)
    {
        foreach (var (method, path) in new[] { (HttpMethod.Get, "/admin/keys"), (HttpMethod.Post, "/admin/keys"), (HttpMethod.Delete, "/admin/keys/x"),
                     (HttpMethod.Get, "/admin/models"), (HttpMethod.Post, "/admin/models"), (HttpMethod.Delete, "/admin/models/a/b"),
                     (HttpMethod.Get, "/admin/backends"), (HttpMethod.Post, "/admin/backends"), (HttpMethod.Delete, "/admin/backends/x") })
        {
            var (status, body) = await SendAsync(method, path, method == HttpMethod.Post ? "{}" : null, bearer);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            AssertOpenAIError(body, null);
            Assert.Equal("invalid_api_key", (string?)body!["error"]!["code"]);
        }
    }

    [Fact]
    public async Task Without_a_configured_master_key_the_admin_api_refuses_everyone()
    {
        await using var closed = await AdminHost.StartAsync(o => o with { MasterKey = null, MasterKeyEnv = "HEARTH_TEST_UNSET_VARIABLE" });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/keys");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RouterFixture.MasterKey);
        using var response = await closed.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Keys_are_created_once_listed_without_secrets_and_revoked()
    {
        var (status, created) = await SendAsync(HttpMethod.Post, "/admin/keys",
            """{"name":"ci","models":["chat"],"rpm":2,"tpm":1000,"budget_tokens":100000,"budget_period":"day","private":true,"expires":"2099-01-01T00:00:00Z"}""");
        Assert.Equal(HttpStatusCode.Created, status);
        var key = (string)created!["key"]!;
        var id = (string)created["id"]!;
        Assert.StartsWith("hk-", key, StringComparison.Ordinal);
        Assert.Equal(key[..8], (string?)created["prefix"]);
        Assert.Equal(2, (long)created["rpm"]!);
        Assert.Equal("day", (string?)created["budget_period"]);
        Assert.True((bool)created["private"]!);
        Assert.Equal("2099-01-01T00:00:00Z", (string?)created["expires"]);

        // the key works at once on this router, and its limit applies
        var gate = host.Services.GetRequiredService<IRequestGate>();
        Assert.Equal(GateOutcome.Allowed, (await gate.AdmitAsync(key, "chat", default)).Outcome);
        Assert.Equal(GateOutcome.Forbidden, (await gate.AdmitAsync(key, "other", default)).Outcome);
        Assert.Equal(GateOutcome.Unauthorized, (await gate.AdmitAsync(null, "chat", default)).Outcome);

        using (var listRequest = new HttpRequestMessage(HttpMethod.Get, "/admin/keys"))
        {
            listRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RouterFixture.MasterKey);
            using var list = await host.Client.SendAsync(listRequest);
            var text = await list.Content.ReadAsStringAsync();
            Assert.DoesNotContain(key, text, StringComparison.Ordinal);
            Assert.DoesNotContain(key[8..], text, StringComparison.Ordinal);
            var item = Assert.Single(JsonNode.Parse(text)!["data"]!.AsArray());
            Assert.Equal(id, (string?)item!["id"]);
            Assert.Null(item["key"]);
            Assert.Null(item["revoked"]);
        }

        var (revokeStatus, revoked) = await SendAsync(HttpMethod.Delete, "/admin/keys/" + id);
        Assert.Equal(HttpStatusCode.OK, revokeStatus);
        Assert.True((bool)revoked!["revoked"]!);
        Assert.Equal(GateOutcome.Unauthorized, (await gate.AdmitAsync(key, "chat", default)).Outcome);
        var (again, body) = await SendAsync(HttpMethod.Delete, "/admin/keys/" + id);
        Assert.Equal(HttpStatusCode.NotFound, again);
        AssertOpenAIError(body, null);

        // and the master key still gets through
        Assert.Equal(GateOutcome.Allowed, (await gate.AdmitAsync(RouterFixture.MasterKey, "chat", default)).Outcome);
    }

    [Theory]
    [InlineData("""{"rpm":"ten"}""", "rpm")]
    [InlineData("""{"rpm":1.5}""", "rpm")]
    [InlineData("""{"rpm":0}""", "rpm")]
    [InlineData("""{"models":"chat"}""", "models")]
    [InlineData("""{"models":["chat", 3]}""", "models[1]")]
    [InlineData("""{"private":"yes"}""", "private")]
    [InlineData("""{"expires":"next week"}""", "expires")]
    [InlineData("""{"expires":"2001-01-01T00:00:00Z"}""", "expires")]
    [InlineData("""{"budget_period":"fortnight"}""", "budget_period")]
    [InlineData("""{"rpn":5}""", "rpn")]
    public async Task Bad_key_requests_are_400_with_the_field_named(string json, string param)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/admin/keys", json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertOpenAIError(body, param);
        var (_, list) = await SendAsync(HttpMethod.Get, "/admin/keys");
        Assert.Empty(list!["data"]!.AsArray());
    }

    [Fact]
    public async Task Every_problem_is_reported_at_once_and_malformed_json_is_400()
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/admin/keys", """{"rpm":-1,"tpm":"x","colour":"red"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var message = (string)body!["error"]!["message"]!;
        Assert.Contains("tpm:", message, StringComparison.Ordinal);
        Assert.Contains("colour: unknown field", message, StringComparison.Ordinal);
        Assert.Contains("rpm:", message, StringComparison.Ordinal);

        foreach (var bad in new[] { "{\"rpm\":", "[1]", "null" })
        {
            var (s, b) = await SendAsync(HttpMethod.Post, "/admin/keys", bad);
            Assert.Equal(HttpStatusCode.BadRequest, s);
            AssertOpenAIError(b, null);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_over_a_mebibyte_is_413_whether_or_not_its_length_is_announced(bool announced)
    {
        var json = "{\"name\":\"" + new string('x', 2 * 1024 * 1024) + "\"}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/keys");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RouterFixture.MasterKey);
        request.Content = announced
            ? new StringContent(json, Encoding.UTF8, "application/json")
            : new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json))); // no Content-Length: chunked
        if (!announced)
        {
            request.Headers.TransferEncodingChunked = true;
        }

        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        AssertOpenAIError(JsonNode.Parse(await response.Content.ReadAsStringAsync()), null);
    }

    [Fact]
    public async Task Model_aliases_are_added_listed_and_removed_at_run_time()
    {
        var registry = host.Services.GetRequiredService<IRouterRegistry>();
        var changes = new List<RegistrySnapshot>();
        registry.Changed += changes.Add;

        var (status, created) = await SendAsync(HttpMethod.Post, "/admin/models",
            """{"model":"meta-llama/Llama-3.1-8B","deployments":[{"backend":"gpu","backend_model":"llama-3.1-8b"},{"backend":"cpu","backend_model":"llama-q4"}]}""");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(2, created!["deployments"]!.AsArray().Count);
        Assert.Single(changes);
        Assert.Equal([new AliasTarget("gpu", "llama-3.1-8b"), new AliasTarget("cpu", "llama-q4")], registry.Current.Aliases["meta-llama/Llama-3.1-8B"]);

        var (_, list) = await SendAsync(HttpMethod.Get, "/admin/models");
        Assert.Equal("meta-llama/Llama-3.1-8B", (string?)list!["data"]![0]!["model"]);

        var (bad, error) = await SendAsync(HttpMethod.Post, "/admin/models", """{"model":"x","deployments":[{"backend":"gpu"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        AssertOpenAIError(error, "deployments[0]");
        var (missing, error2) = await SendAsync(HttpMethod.Post, "/admin/models", """{"deployments":[]}""");
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        AssertOpenAIError(error2, "model");

        var (deleted, _) = await SendAsync(HttpMethod.Delete, "/admin/models/meta-llama/Llama-3.1-8B");
        Assert.Equal(HttpStatusCode.OK, deleted);
        Assert.Empty(registry.Current.Aliases);
        Assert.Equal(2, changes.Count);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, "/admin/models/meta-llama/Llama-3.1-8B")).Status);
    }

    [Fact]
    public async Task Backends_are_added_listed_and_removed_at_run_time()
    {
        var registry = host.Services.GetRequiredService<IRouterRegistry>();
        var (status, created) = await SendAsync(HttpMethod.Post, "/admin/backends",
            """{"name":"gpu-cluster","url":"http://10.0.0.5:8000","type":"openai","models":["llama-3.1-8b"],"api_key_env":"EXTERNAL_OPENAI_KEY","tier":"cluster","weight":2,"max_concurrency":64}""");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("http://10.0.0.5:8000/", (string?)created!["url"]);
        var backend = Assert.Single(registry.Current.Backends);
        Assert.Equal("cluster", backend.Tier);
        Assert.Equal(2, backend.Weight);

        var (conflict, error) = await SendAsync(HttpMethod.Post, "/admin/backends", """{"name":"gpu-cluster","url":"http://10.0.0.6:8000"}""");
        Assert.Equal(HttpStatusCode.Conflict, conflict);
        AssertOpenAIError(error, "name");

        var (bad, badBody) = await SendAsync(HttpMethod.Post, "/admin/backends", """{"name":"x y","url":"ftp://h","type":"grpc","tier":"moon","weight":0}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        var message = (string)badBody!["error"]!["message"]!;
        foreach (var field in new[] { "name:", "url:", "type:", "tier:", "weight:" })
        {
            Assert.Contains(field, message, StringComparison.Ordinal);
        }

        var (_, list) = await SendAsync(HttpMethod.Get, "/admin/backends");
        Assert.Single(list!["data"]!.AsArray());
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Delete, "/admin/backends/gpu-cluster")).Status);
        Assert.Empty(registry.Current.Backends);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, "/admin/backends/gpu-cluster")).Status);
    }

    [Fact]
    public async Task AddRouterAccess_picks_the_cache_from_the_options()
    {
        Assert.IsType<Hearth.Router.Caching.MemoryResponseCache>(host.Services.GetRequiredService<Hearth.Router.Caching.IResponseCache>());
        await using var off = await AdminHost.StartAsync(o => o with { CacheEnabled = false });
        var cache = off.Services.GetRequiredService<Hearth.Router.Caching.IResponseCache>();
        Assert.Null(cache.KeyFor("/v1/chat/completions", """{"model":"m","temperature":0}"""u8));
    }
}
