using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Hearth.Router.Access;
using Hearth.Router.Admin;
using Hearth.Router.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Hearth.Router.Tests.Access;

/// <summary>The gate's decisions as HTTP, through a real Kestrel route that does what the proxy does.</summary>
public sealed class GateHttpTests
{
    private static void MapGated(WebApplication app)
    {
        foreach (var path in new[] { "/v1/chat/completions", "/api/chat" })
        {
            app.MapPost(path, async (HttpContext context, IRequestGate gate, string? model) =>
            {
                var decision = await gate.AdmitAsync(AdminEndpoints.BearerToken(context.Request), model ?? "chat", context.RequestAborted);
                if (decision.Outcome != GateOutcome.Allowed)
                {
                    await GateHttp.WriteRefusalAsync(context, decision);
                    return;
                }

                GateHttp.ApplyHeaders(context.Response, decision);
                await context.Response.WriteAsync("ok");
            });
        }
    }

    [Fact]
    public async Task Refusals_are_401_403_429_with_error_json_and_limit_headers()
    {
        await using var host = await AdminHost.StartAsync(map: MapGated);
        var keys = (KeyStore)host.Services.GetService(typeof(KeyStore))!;
        var directory = (KeyDirectory)host.Services.GetService(typeof(KeyDirectory))!;
        var key = keys.Create(new KeySpec(Models: ["chat"], Rpm: 1, Tpm: 500)).Secret;
        directory.Reload();

        async Task<(HttpResponseMessage Response, JsonNode? Body)> Post(string path, string? bearer, string model = "chat")
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path + "?model=" + model);
            if (bearer is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }

            var response = await host.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return (response, text == "ok" ? null : JsonNode.Parse(text));
        }

        var (missing, missingBody) = await Post("/v1/chat/completions", null);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("invalid_api_key", (string?)missingBody!["error"]!["code"]);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.ToString());

        var (forbidden, forbiddenBody) = await Post("/v1/chat/completions", key, "other");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("permission_error", (string?)forbiddenBody!["error"]!["type"]);

        var (ok, _) = await Post("/v1/chat/completions", key);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("0", ok.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        Assert.Equal("500", ok.Headers.GetValues("x-ratelimit-remaining-tokens").Single());

        var (limited, limitedBody) = await Post("/v1/chat/completions", key);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("rate_limit_exceeded", (string?)limitedBody!["error"]!["code"]);
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Equal("0", limited.Headers.GetValues("x-ratelimit-remaining-requests").Single());

        var (ollama, ollamaBody) = await Post("/api/chat", key);
        Assert.Equal(HttpStatusCode.TooManyRequests, ollama.StatusCode);
        Assert.Contains("over its limit", (string?)ollamaBody!["error"], StringComparison.Ordinal);

        var (master, _) = await Post("/api/chat", RouterFixture.MasterKey, "anything");
        Assert.Equal(HttpStatusCode.OK, master.StatusCode);
    }
}
