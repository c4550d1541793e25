using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Instances.Tests.Support;

namespace Hearth.Instances.Tests.Api;

/// <summary>The REST API over real HTTP against real processes.</summary>
public sealed class InstanceApiTests
{
    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task Create_start_inspect_stop_and_remove_an_instance()
    {
        await using var host = await TestHost.StartAsync();
        var http = host.Http;
        var body = $$"""{"name":"web","command":{{JsonSerializer.Serialize(Scripts.WebApp())}},"health":"http:/health","restart":"on-failure","ttl":"10m"}""";
        using (var created = await http.PostAsync(new Uri("/api/instances", UriKind.Relative), Json(body)))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (var dup = await http.PostAsync(new Uri("/api/instances", UriKind.Relative), Json(body)))
        {
            Assert.Equal(HttpStatusCode.Conflict, dup.StatusCode);
            Assert.Equal("instance_exists", (await dup.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
        }

        var started = await (await http.PostAsync(new Uri("/api/instances/web/start?wait=true", UriKind.Relative), null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("ready", started.GetProperty("state").GetString());
        var got = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/instances/web", UriKind.Relative));
        foreach (var field in new[] { "name", "state", "port", "pid", "restarts" })
        {
            Assert.True(got.TryGetProperty(field, out _), field);
        }

        Assert.Equal("running", got.GetProperty("desired").GetString());
        Assert.Equal("10m", got.GetProperty("spec").GetProperty("ttl").GetString());
        Assert.Equal("on-failure", got.GetProperty("spec").GetProperty("restart").GetString());
        Assert.Single((await http.GetFromJsonAsync<JsonElement>(new Uri("/api/instances", UriKind.Relative))).EnumerateArray());

        var stopped = await (await http.PostAsync(new Uri("/api/instances/web/stop", UriKind.Relative), null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("stopped", stopped.GetProperty("state").GetString());
        var logs = await http.GetStringAsync(new Uri("/api/instances/web/logs", UriKind.Relative));
        Assert.Contains("listening on", logs, StringComparison.Ordinal);

        using (var update = await http.PutAsync(new Uri("/api/instances/web", UriKind.Relative), Json("""{"command":"sleep 5","ttl":"1h"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        }

        Assert.Equal("sleep 5", (await http.GetFromJsonAsync<JsonElement>(new Uri("/api/instances/web", UriKind.Relative))).GetProperty("spec").GetProperty("command").GetString());
        using (var removed = await http.DeleteAsync(new Uri("/api/instances/web", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        using var gone = await http.GetAsync(new Uri("/api/instances/web", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Theory]
    [InlineData("""{"name":"Bad Name","command":"x"}""", "name")]
    [InlineData("""{"name":"a"}""", "command")]
    [InlineData("""{"name":"a","command":"x","health":"ping"}""", "health")]
    [InlineData("""{"name":"a","command":"x","restart":"sometimes"}""", null)]
    [InlineData("""{"name":"a","command":"x","colour":"red"}""", null)]
    [InlineData("""not json""", null)]
    public async Task Bad_definitions_are_400_with_the_field_and_change_nothing(string body, string? param)
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.Http.PostAsync(new Uri("/api/instances", UriKind.Relative), Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        if (param is not null)
        {
            Assert.Equal(param, error.GetProperty("param").GetString());
        }

        Assert.Empty((await host.Http.GetFromJsonAsync<JsonElement>(new Uri("/api/instances", UriKind.Relative))).EnumerateArray());
    }

    [Theory]
    [InlineData("GET", "/api/instances/nope")]
    [InlineData("POST", "/api/instances/nope/start")]
    [InlineData("DELETE", "/api/instances/nope")]
    [InlineData("GET", "/api/instances/nope/logs")]
    [InlineData("GET", "/i/nope/")]
    public async Task Unknown_instances_are_404(string method, string path)
    {
        await using var host = await TestHost.StartAsync();
        using var response = await host.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Blueprints_and_system_stats_are_listed()
    {
        await using var host = await TestHost.StartAsync();
        host.Home.File("blueprints/tool.sh", "# hearth-blueprint: name=tool; description=A tool; health=tcp\nexec sleep 60\n");
        host.Home.File("blueprints/broken.sh", "no header\n");
        var blueprints = await host.Http.GetFromJsonAsync<JsonElement>(new Uri("/api/blueprints", UriKind.Relative));
        var names = blueprints.GetProperty("blueprints").EnumerateArray().Select(b => b.GetProperty("name").GetString()).ToList();
        Assert.Equal(["command", "hearth-model", "tool"], names);
        Assert.Single(blueprints.GetProperty("errors").EnumerateArray());

        await host.Supervisor.CreateAsync(new Hearth.Instances.Model.InstanceSpec { Name = "web", Command = Scripts.WebApp(), Health = "http:/health" });
        await host.Supervisor.StartAsync("web");
        await Eventually.StateAsync(host.Supervisor, "web", Hearth.Instances.Model.InstanceState.Ready);
        await Eventually.TrueAsync(() => host.Http.GetFromJsonAsync<JsonElement>(new Uri("/api/system", UriKind.Relative)).Result
            .GetProperty("instances").EnumerateArray().Any(i => i.GetProperty("rss_bytes").GetInt64() > 1_000_000), "instance RSS reported");
        var system = await host.Http.GetFromJsonAsync<JsonElement>(new Uri("/api/system?history=true", UriKind.Relative));
        var latest = system.GetProperty("latest");
        Assert.True(latest.GetProperty("memory_total_bytes").GetInt64() > 0);
        Assert.True(latest.GetProperty("disk_total_bytes").GetInt64() > 0);
        Assert.True(latest.GetProperty("cores").GetInt32() > 0);
        // Without an NVIDIA driver (NVML) the GPU list is absent rather than empty or invented.
        var hasNvml = System.Runtime.InteropServices.NativeLibrary.TryLoad("libnvidia-ml.so.1", out var nvml);
        if (hasNvml)
        {
            System.Runtime.InteropServices.NativeLibrary.Free(nvml);
        }

        Assert.Equal(hasNvml ? JsonValueKind.Array : JsonValueKind.Null, latest.GetProperty("gpus").ValueKind);
        Assert.NotEmpty(system.GetProperty("history").EnumerateArray());
    }

    [Fact]
    public async Task An_admin_key_guards_the_api_the_dashboard_and_the_proxy()
    {
        await using var host = await TestHost.StartAsync(h => h.AdminKey = "k3y");
        using var anonymous = await host.Http.GetAsync(new Uri("/api/instances", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var proxied = await host.Http.GetAsync(new Uri("/i/anything/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, proxied.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/instances", UriKind.Relative));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "k3y");
        using var allowed = await host.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);

        using var cookies = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.Address };
        using var login = await cookies.PostAsync(new Uri("/login", UriKind.Relative), new FormUrlEncodedContent([new("key", "k3y")]));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Contains(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("hearth_admin=", StringComparison.Ordinal));
        using var wrong = await cookies.PostAsync(new Uri("/login", UriKind.Relative), new FormUrlEncodedContent([new("key", "nope")]));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Fact]
    public async Task Binding_beyond_loopback_without_a_key_is_refused()
    {
        await using var s = await TestSupervisor.StartAsync();
        var ex = Assert.Throws<ArgumentException>(() => Hosting.SupervisorHost.CreateApp(s.Supervisor, new Hosting.SupervisorHostOptions { Host = "0.0.0.0", Port = 0 }));
        Assert.Contains("admin key", ex.Message, StringComparison.Ordinal);
    }
}
