using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Hearth.Instances.Model;
using Hearth.Instances.Tests.Support;

namespace Hearth.Instances.Tests.Proxy;

/// <summary>The reverse proxy in front of real instances: prefixes, host routing, WebSockets, SSE, on-demand starts, idle unloads.</summary>
public sealed class ProxyTests
{
    private static Uri U(string path) => new(path, UriKind.Relative);

    [Fact]
    public async Task A_request_to_a_stopped_instance_starts_it_and_is_answered_with_the_prefix_stripped()
    {
        await using var host = await TestHost.StartAsync();
        await host.Supervisor.CreateAsync(new InstanceSpec { Name = "web", Command = Scripts.WebApp("APP_NAME=web"), Health = "http:/health" });
        Assert.Equal("hello from web /a/b?x=1 prefix=/i/web", await host.Http.GetStringAsync(U("/i/web/a/b?x=1")));
        Assert.Equal(InstanceState.Ready, host.Supervisor.Get("web").State);

        using var noSlash = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.Address };
        using var redirect = await noSlash.GetAsync(U("/i/web"));
        Assert.Equal("/i/web/", redirect.Headers.Location?.ToString());

        // Host routing: the whole path, no prefix.
        using var request = new HttpRequestMessage(HttpMethod.Get, U("/x"));
        request.Headers.Host = $"web.localhost:{host.Address.Port}";
        using var byHost = await host.Http.SendAsync(request);
        Assert.Equal("hello from web /x prefix=None", await byHost.Content.ReadAsStringAsync());

        // POST bodies pass through.
        using var post = await host.Http.PostAsync(U("/i/web/echo"), new StringContent("{\"a\":1}", Encoding.UTF8, "application/json"));
        Assert.Equal(1, (await post.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("echo").GetProperty("a").GetInt32());
    }

    [Fact]
    public async Task A_browser_gets_a_self_refreshing_starting_page_while_the_instance_starts()
    {
        await using var host = await TestHost.StartAsync();
        await host.Supervisor.CreateAsync(new InstanceSpec { Name = "slow", Command = "sleep 1; " + Scripts.WebApp(), Health = "http:/health" });
        using var request = new HttpRequestMessage(HttpMethod.Get, U("/i/slow/"));
        request.Headers.Accept.ParseAdd("text/html");
        using var page = await host.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("http-equiv=\"refresh\"", html, StringComparison.Ordinal);
        Assert.Contains("Starting slow", html, StringComparison.Ordinal);
        Assert.Equal(DesiredState.Running, host.Supervisor.Get("slow").Desired);
        await Eventually.StateAsync(host.Supervisor, "slow", InstanceState.Ready);
    }

    [Fact]
    public async Task WebSockets_and_server_sent_events_pass_through()
    {
        await using var host = await TestHost.StartAsync();
        await host.Supervisor.CreateAsync(new InstanceSpec { Name = "ws", Command = Scripts.WebApp(), Health = "http:/health" });
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{host.Address.Port}/i/ws/ws"), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("ping"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[256];
        var got = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("echo:ping", Encoding.UTF8.GetString(buffer, 0, got.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);

        using var sse = await host.Http.GetAsync(U("/i/ws/sse"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", sse.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await sse.Content.ReadAsStreamAsync());
        // The first event is readable before the app has finished the stream (it sends one every 300 ms).
        Assert.Equal("data: tick 0", await reader.ReadLineAsync());
        Assert.Equal(InstanceState.Ready, host.Supervisor.Get("ws").State);
        var rest = await reader.ReadToEndAsync();
        Assert.Contains("data: tick 4", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Idle_instances_unload_after_their_ttl_but_not_while_serving_a_request_nor_kept_by_an_idle_websocket()
    {
        await using var host = await TestHost.StartAsync();
        await host.Supervisor.CreateAsync(new InstanceSpec { Name = "nap", Command = Scripts.WebApp(), Health = "http:/health", Ttl = "700ms" });

        // An SSE request lasting ~1.5 s outlives the TTL: the instance stays up while it is served.
        using (var sse = await host.Http.GetAsync(U("/i/nap/sse"), HttpCompletionOption.ResponseHeadersRead))
        {
            var body = await sse.Content.ReadAsStringAsync();
            Assert.Contains("tick 4", body, StringComparison.Ordinal);
        }

        Assert.Equal(0, host.Supervisor.Get("nap").Restarts);
        Assert.NotEqual(InstanceState.Stopped, host.Supervisor.Get("nap").State);

        // An open but silent WebSocket does not keep it awake.
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{host.Address.Port}/i/nap/ws"), CancellationToken.None);
        await Eventually.StateAsync(host.Supervisor, "nap", InstanceState.Stopped);
        Assert.Equal("idle for 0.7s", host.Supervisor.Get("nap").Reason);
        Assert.Equal(DesiredState.Stopped, host.Supervisor.Get("nap").Desired);
    }

    [Fact]
    public async Task Requests_arriving_while_an_instance_crashes_and_restarts_wait_instead_of_failing()
    {
        await using var host = await TestHost.StartAsync();
        await host.Supervisor.CreateAsync(new InstanceSpec { Name = "flaky", Command = Scripts.WebApp("CRASH_AFTER=0.7"), Health = "http:/health", Restart = RestartPolicy.Always });
        await host.Supervisor.StartAsync("flaky");
        await Eventually.StateAsync(host.Supervisor, "flaky", InstanceState.Ready);
        var statuses = new List<HttpStatusCode>();
        while (host.Supervisor.Get("flaky").Restarts < 2)
        {
            using var response = await host.Http.GetAsync(U("/i/flaky/ping"));
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.True(statuses.Count > 5);
    }

    [Fact]
    public async Task The_openai_endpoint_routes_by_model_and_starts_the_instance_serving_it()
    {
        await using var host = await TestHost.StartAsync();
        await host.Supervisor.CreateAsync(new InstanceSpec { Name = "m1", Command = Scripts.WebApp("APP_NAME=m1"), Health = "http:/health", Models = ["alpha"] });
        await host.Supervisor.CreateAsync(new InstanceSpec { Name = "m2", Command = Scripts.WebApp("APP_NAME=m2"), Health = "http:/health", Models = ["beta"] });
        var models = await host.Http.GetFromJsonAsync<JsonElement>(U("/v1/models"));
        Assert.Equal(["alpha", "beta"], models.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).Order());

        using var response = await host.Http.PostAsync(U("/v1/chat/completions"), new StringContent("""{"model":"beta","messages":[]}""", Encoding.UTF8, "application/json"));
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("m2", json.GetProperty("name").GetString());
        Assert.Equal("/v1/chat/completions", json.GetProperty("path").GetString());
        Assert.Equal("beta", json.GetProperty("echo").GetProperty("model").GetString());
        Assert.Equal(InstanceState.Stopped, host.Supervisor.Get("m1").State);

        using var unknown = await host.Http.PostAsync(U("/v1/completions"), new StringContent("""{"model":"gamma"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("model_not_found", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
        using var bad = await host.Http.PostAsync(U("/v1/completions"), new StringContent("{", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task A_failed_instance_answers_503_with_its_reason()
    {
        await using var host = await TestHost.StartAsync();
        await host.Supervisor.CreateAsync(new InstanceSpec { Name = "broken", Command = "no-such-binary-hearth" });
        using var response = await host.Http.GetAsync(U("/i/broken/"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("command not found", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
