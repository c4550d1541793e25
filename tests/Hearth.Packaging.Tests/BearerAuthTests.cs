using System.Net;
using Hearth.Packaging.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Packaging.Tests;

/// <summary>
/// The Bearer-token flow. Debian's registry has no token service of its own, so a small Kestrel app on
/// 127.0.0.1 plays both parts: <c>/v2/</c> challenges with <c>Bearer realm=…,service=…,scope=…</c>, and
/// <c>/token</c> hands out a token for the right Basic credentials (the distribution token protocol).
/// </summary>
public sealed class BearerAuthTests
{
    private static async Task<(WebApplication App, string Host, List<string> TokenQueries)> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var queries = new List<string>();
        string host = "";
        app.MapGet("/v2/", (HttpContext context) =>
        {
            if (context.Request.Headers.Authorization == "Bearer granted-token")
            {
                return Results.Json(new { });
            }

            context.Response.Headers.WWWAuthenticate = $"Bearer realm=\"http://{host}/token\",service=\"hearth-test\",scope=\"repository:hearth/tiny:pull,push\"";
            return Results.StatusCode(401);
        });
        app.MapGet("/token", (HttpContext context) =>
        {
            lock (queries)
            {
                queries.Add(context.Request.QueryString.Value ?? "");
            }

            var expected = "Basic " + new RegistryCredentials("hearth", "s3cret").BasicValue;
            return context.Request.Headers.Authorization == expected ? Results.Json(new { token = "granted-token" }) : Results.StatusCode(401);
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        host = $"127.0.0.1:{address.Port}";
        return (app, host, queries);
    }

    [Fact]
    public async Task A_bearer_challenge_is_answered_with_a_token_from_the_realm()
    {
        var (app, host, queries) = await StartAsync();
        await using var _ = app;
        using var http = new HttpClient();
        var client = new RegistryClient(http, host, new RegistryCredentials("hearth", "s3cret"));
        await client.PingAsync(CancellationToken.None);
        Assert.Equal("?service=hearth-test&scope=repository%3Ahearth%2Ftiny%3Apull%2Cpush", Assert.Single(queries));
    }

    [Fact]
    public async Task A_token_service_that_refuses_the_credentials_is_an_auth_error()
    {
        var (app, host, _) = await StartAsync();
        await using var _ = app;
        using var http = new HttpClient();
        var client = new RegistryClient(http, host, new RegistryCredentials("hearth", "wrong"));
        var ex = await Assert.ThrowsAsync<Hearth.Packaging.RegistryAuthException>(() => client.PingAsync(CancellationToken.None));
        Assert.Contains("token service 127.0.0.1 answered 401", ex.Message, StringComparison.Ordinal);
    }
}
