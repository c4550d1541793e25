using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Server.Tests.Support;
using Hearth.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hearth.Server.Tests.Http;

/// <summary>/api/pull, /api/tags, /api/delete and /api/copy through the real store, downloading from a file server on 127.0.0.1.</summary>
public sealed class PullTests : IAsyncLifetime
{
    private readonly string home = Directory.CreateTempSubdirectory("hearth-pull-tests").FullName;
    private readonly byte[] file = File.ReadAllBytes(SharedData.Model("llama-2-tiny-random.gguf"));
    private WebApplication source = null!;
    private Uri sourceAddress = null!;
    private TestServer server = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        source = builder.Build();
        source.MapGet("/files/tiny.gguf", () => Results.Bytes(file, "application/octet-stream"));
        await source.StartAsync();
        sourceAddress = new Uri(source.Urls.First());
        server = await TestServer.StartAsync(o =>
        {
            o.Models.Add(SharedData.Model("llama-2-tiny-random.gguf"));
            o.DisableStore = false;
            o.StoreDirectory = home;
        }, ServerModels.Loader());
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        await source.StopAsync();
        await source.DisposeAsync();
        Directory.Delete(home, recursive: true);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string json) =>
        await server.Http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>The store's models in /api/tags (the serve --model alias is always listed first and is left out).</summary>
    private async Task<List<JsonNode>> TagsAsync() =>
        JsonNode.Parse(await server.Http.GetStringAsync(new Uri("/api/tags", UriKind.Relative)))!["models"]!.AsArray()
            .Where(m => (string?)m!["name"] != "llama-2-tiny-random").Select(m => m!).ToList();

    [Fact]
    public async Task Pull_streams_progress_registers_the_model_and_delete_removes_it()
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(file));
        using var response = await PostAsync("/api/pull", $$"""{"model":"{{sourceAddress}}files/tiny.gguf#sha256={{sha}}"}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal("success", (string?)lines[^1]["status"]);
        Assert.Contains(lines, l => l["total"] is not null && (long)l["total"]! == file.Length);

        var model = Assert.Single(await TagsAsync())!;
        Assert.Equal("tiny:latest", (string?)model["name"]);
        Assert.Equal("sha256:" + sha, (string?)model["digest"]);

        // The pulled model is servable by name.
        using (var chat = await PostAsync("/v1/chat/completions", """{"model":"tiny","messages":[{"role":"user","content":"hi"}],"max_tokens":2}"""))
        {
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        }

        using var delete = new HttpRequestMessage(HttpMethod.Delete, new Uri("/api/delete", UriKind.Relative))
        {
            Content = new StringContent("""{"model":"tiny"}""", Encoding.UTF8, "application/json"),
        };
        using (var deleted = await server.Http.SendAsync(delete))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        Assert.Empty(await TagsAsync());
    }

    [Fact]
    public async Task Pull_with_a_wrong_sha256_is_an_error_and_registers_nothing_while_others_are_served()
    {
        var wrong = new string('0', 64);
        var good = PostAsync("/api/generate", """{"model":"llama-2-tiny-random","prompt":"hi","stream":false,"options":{"num_predict":3}}""");
        using var response = await PostAsync("/api/pull", $$"""{"model":"{{sourceAddress}}files/tiny.gguf#sha256={{wrong}}","stream":false}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("sha", ((string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"])!, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await TagsAsync());

        using var streamed = await PostAsync("/api/pull", $$"""{"model":"{{sourceAddress}}files/tiny.gguf#sha256={{wrong}}"}""");
        var last = JsonNode.Parse((await streamed.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1])!;
        Assert.NotNull(last["error"]);
        Assert.Empty(await TagsAsync());

        // The server kept serving: a generation that ran alongside succeeded.
        using var generated = await good;
        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        Assert.Equal(3, (int)JsonNode.Parse(await generated.Content.ReadAsStringAsync())!["eval_count"]!);
    }

    [Fact]
    public async Task Copy_serves_the_model_under_a_second_name_and_refuses_bad_input()
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(file));
        using (var pulled = await PostAsync("/api/pull", $$"""{"model":"{{sourceAddress}}files/tiny.gguf","stream":false}"""))
        {
            Assert.Equal(HttpStatusCode.OK, pulled.StatusCode);
        }

        using (var copied = await PostAsync("/api/copy", """{"source":"tiny","destination":"tiny-copy:v2"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, copied.StatusCode);
        }

        var names = (await TagsAsync()).Select(m => ((string?)m["name"], (string?)m["digest"])).ToList();
        Assert.Equal([("tiny-copy:v2", "sha256:" + sha), ("tiny:latest", "sha256:" + sha)], names.Order().ToList());
        using (var chat = await PostAsync("/v1/chat/completions", """{"model":"tiny-copy:v2","messages":[{"role":"user","content":"hi"}],"max_tokens":2}"""))
        {
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        }

        using var missing = await PostAsync("/api/copy", """{"source":"ghost","destination":"x"}""");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("ghost", (string?)JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["error"], StringComparison.Ordinal);
        using var invalid = await PostAsync("/api/copy", """{"source":"tiny","destination":"bad name"}""");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        using var incomplete = await PostAsync("/api/copy", """{"source":"tiny"}""");
        Assert.Equal(HttpStatusCode.BadRequest, incomplete.StatusCode);
        Assert.Equal(2, (await TagsAsync()).Count);
    }

    [Fact]
    public async Task Delete_of_an_unknown_model_is_404()
    {
        using var delete = new HttpRequestMessage(HttpMethod.Delete, new Uri("/api/delete", UriKind.Relative))
        {
            Content = new StringContent("""{"model":"ghost"}""", Encoding.UTF8, "application/json"),
        };
        using var response = await server.Http.SendAsync(delete);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
