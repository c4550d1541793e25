using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Server.Tests.Support;
using Hearth.Testing;

namespace Hearth.Server.Tests.Http;

/// <summary>SSE framing as OpenAI clients parse it, read byte-for-byte over raw HTTP.</summary>
public sealed class StreamingTests : IAsyncLifetime
{
    private TestServer server = null!;

    public async Task InitializeAsync() =>
        server = await TestServer.StartAsync(o => o.Models.Add(SharedData.Model("llama-2-tiny-random.gguf")), ServerModels.Loader());

    public async Task DisposeAsync() => await server.DisposeAsync();

    private async Task<string> StreamAsync(string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    private static List<string> Events(string body)
    {
        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).ToList();
        Assert.All(events, e => Assert.StartsWith("data: ", e, StringComparison.Ordinal));
        return events.Select(e => e["data: ".Length..]).ToList();
    }

    [Fact]
    public async Task Chat_stream_is_role_then_content_then_finish_then_usage_then_done()
    {
        var body = await StreamAsync("/v1/chat/completions",
            """{"model":"llama-2-tiny-random","messages":[{"role":"user","content":"hi"}],"stream":true,"max_tokens":4,"stream_options":{"include_usage":true}}""");
        var data = Events(body);
        Assert.Equal("[DONE]", data[^1]);
        var chunks = data[..^1].Select(d => JsonNode.Parse(d)!).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", (string?)c["object"]));
        Assert.Single(chunks.Select(c => (string?)c["id"]).Distinct());
        Assert.Equal("assistant", (string?)chunks[0]["choices"]![0]!["delta"]!["role"]);
        var usage = chunks[^1];
        Assert.Empty(usage["choices"]!.AsArray());
        Assert.Equal(4, (int)usage["usage"]!["completion_tokens"]!);
        Assert.Equal("length", (string?)chunks[^2]["choices"]![0]!["finish_reason"]);
    }

    [Fact]
    public async Task Completion_stream_carries_text_chunks()
    {
        var body = await StreamAsync("/v1/completions", """{"model":"llama-2-tiny-random","prompt":"abc","stream":true,"max_tokens":3}""");
        var chunks = Events(body)[..^1].Select(d => JsonNode.Parse(d)!).ToList();
        Assert.All(chunks, c => Assert.Equal("text_completion", (string?)c["object"]));
        Assert.Equal("length", (string?)chunks[^1]["choices"]![0]!["finish_reason"]);
    }

    [Fact]
    public async Task Client_that_disconnects_frees_its_slot()
    {
        // A gated model: each forward pass waits for the test, so "still generating" is certain, not a race.
        var model = new ScriptedModel(contextLength: 100_000) { Gate = new SemaphoreSlim(0) };
        await using var gated = await TestServer.StartAsync(o => o.Models.Add(SharedData.Model("llama-2-tiny-random.gguf")), model, greedy: true);
        // A raw socket, so "disconnect" means the TCP connection really closes (HttpClient would drain the response to reuse it).
        using (var socket = new System.Net.Sockets.TcpClient())
        {
            await socket.ConnectAsync(gated.Address.Host, gated.Address.Port);
            var stream = socket.GetStream();
            var json = """{"model":"llama-2-tiny-random","messages":[{"role":"user","content":"go"}],"stream":true}""";
            var head = $"POST /v1/chat/completions HTTP/1.1\r\nHost: {gated.Address.Authority}\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(json)}\r\n\r\n";
            await stream.WriteAsync(Encoding.UTF8.GetBytes(head + json));
            model.Gate.Release(3);
            var buffer = new byte[4096];
            var seen = string.Empty;
            while (!seen.Contains("\"content\":\"", StringComparison.Ordinal))
            {
                var n = await stream.ReadAsync(buffer);
                Assert.True(n > 0, "the server closed the stream early: " + seen);
                seen += Encoding.UTF8.GetString(buffer, 0, n);
            }

            Assert.Contains("text/event-stream", seen, StringComparison.Ordinal);
        }

        // Let the model run one step at a time until the server has noticed the disconnect (socket close or a
        // failed write) and freed the slot: /health reports no active slot. The scheduler-level test pins the
        // "within one step" part; here it is the HTTP plumbing (RequestAborted) that is under test.
        var steps = 0;
        while (true)
        {
            var health = JsonNode.Parse(await gated.Http.GetStringAsync(new Uri("/health", UriKind.Relative)))!;
            var metrics = await gated.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            if ((int)health["active_slots"]! == 0
                && metrics.Contains("hearth_requests_total{route=\"/v1/chat/completions\",status=\"499\"} 1", StringComparison.Ordinal))
            {
                break;
            }

            Assert.True(steps < 2000, "the disconnected sequence still holds its slot: " + health.ToJsonString() + "\n" + metrics);
            model.Gate.Release(1);
            steps++;
            await Task.Delay(2);
        }

        model.Gate.Release(100_000);
    }
}
