using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Packaging.Tests;

/// <summary>
/// A registry written for the tests (Kestrel on 127.0.0.1) with just enough of the OCI distribution spec 1.1
/// for a push and a verify: blobs HEAD/GET and POST/PATCH/PUT uploads, manifests PUT/GET/HEAD, and the
/// referrers API (<c>GET /v2/NAME/referrers/DIGEST</c>, the <c>OCI-Subject</c> header on a PUT with a subject,
/// the <c>artifactType</c> filter). It exists because no registry with the referrers API installs here: Debian's
/// docker-registry is distribution 2.8, which has none (the real-registry tests cover the fallback tag with it).
/// Everything lives in memory; every request is logged so tests can see which paths the client took.
/// </summary>
internal sealed partial class ReferrersRegistry : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, byte[]> blobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, MemoryStream> uploads = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (byte[] Bytes, string MediaType)> manifests = new(StringComparer.Ordinal);

    private ReferrersRegistry(WebApplication app) => this.app = app;

    public string Host { get; private set; } = "";

    /// <summary>"METHOD /path?query" of every request, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Tags by "repository:tag", to the manifest digest.</summary>
    public ConcurrentDictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

    [GeneratedRegex("^/v2/(?<repo>[a-z0-9._/-]+?)/(?<kind>blobs/uploads|blobs|manifests|referrers)/?(?<ref>[^/]*)$")]
    private static partial Regex Route();

    public static async Task<ReferrersRegistry> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var registry = new ReferrersRegistry(app);
        app.Run(registry.HandleAsync);
        await app.StartAsync();
        registry.Host = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Authority;
        return registry;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        Requests.Enqueue($"{request.Method} {request.Path}{request.QueryString}");
        if (request.Path == "/v2/" || request.Path == "/v2")
        {
            return;
        }

        var match = Route().Match(request.Path.Value ?? "");
        if (!match.Success)
        {
            response.StatusCode = 404;
            return;
        }

        var (repo, kind, reference) = (match.Groups["repo"].Value, match.Groups["kind"].Value, Uri.UnescapeDataString(match.Groups["ref"].Value));
        switch (kind, request.Method)
        {
            case ("blobs", "HEAD" or "GET"):
                if (!blobs.TryGetValue(reference, out var blob))
                {
                    response.StatusCode = 404;
                    return;
                }

                response.ContentLength = blob.Length;
                response.Headers["Docker-Content-Digest"] = reference;
                if (request.Method == "GET")
                {
                    await response.Body.WriteAsync(blob);
                }

                return;
            case ("blobs/uploads", "POST"):
                // No cross-repository mount here: answer with a fresh session, as a registry that refuses the mount does.
                var id = Guid.NewGuid().ToString("N");
                uploads[id] = new MemoryStream();
                response.StatusCode = 202;
                response.Headers.Location = $"/v2/{repo}/blobs/uploads/{id}";
                return;
            case ("blobs/uploads", "PATCH" or "PUT"):
                if (!uploads.TryGetValue(reference, out var upload))
                {
                    response.StatusCode = 404;
                    return;
                }

                await request.Body.CopyToAsync(upload);
                if (request.Method == "PATCH")
                {
                    response.StatusCode = 202;
                    response.Headers.Location = $"/v2/{repo}/blobs/uploads/{reference}";
                    response.Headers["Range"] = $"0-{upload.Length - 1}";
                    return;
                }

                var bytes = upload.ToArray();
                var digest = Digest(bytes);
                if (digest != request.Query["digest"])
                {
                    response.StatusCode = 400;
                    return;
                }

                uploads.TryRemove(reference, out _);
                blobs[digest] = bytes;
                response.StatusCode = 201;
                response.Headers.Location = $"/v2/{repo}/blobs/{digest}";
                return;
            case ("blobs/uploads", "DELETE"):
                uploads.TryRemove(reference, out _);
                response.StatusCode = 204;
                return;
            case ("manifests", "PUT"):
                using (var body = new MemoryStream())
                {
                    await request.Body.CopyToAsync(body);
                    var manifest = body.ToArray();
                    var manifestDigest = Digest(manifest);
                    manifests[manifestDigest] = (manifest, request.ContentType ?? "");
                    if (!reference.StartsWith("sha256:", StringComparison.Ordinal))
                    {
                        Tags[$"{repo}:{reference}"] = manifestDigest;
                    }

                    if ((string?)JsonNode.Parse(manifest)?["subject"]?["digest"] is { } subject)
                    {
                        response.Headers["OCI-Subject"] = subject; // 1.1: "I index referrers; no fallback tag needed"
                    }

                    response.StatusCode = 201;
                    response.Headers["Docker-Content-Digest"] = manifestDigest;
                    response.Headers.Location = $"/v2/{repo}/manifests/{manifestDigest}";
                }

                return;
            case ("manifests", "GET" or "HEAD"):
                var key = reference.StartsWith("sha256:", StringComparison.Ordinal) ? reference : Tags.GetValueOrDefault($"{repo}:{reference}");
                if (key is null || !manifests.TryGetValue(key, out var stored))
                {
                    response.StatusCode = 404;
                    return;
                }

                response.ContentType = stored.MediaType;
                response.ContentLength = stored.Bytes.Length;
                response.Headers["Docker-Content-Digest"] = key;
                if (request.Method == "GET")
                {
                    await response.Body.WriteAsync(stored.Bytes);
                }

                return;
            case ("referrers", "GET"):
                await WriteReferrersAsync(context, reference);
                return;
            default:
                response.StatusCode = 405;
                return;
        }
    }

    /// <summary>An image index of every stored manifest whose subject is <paramref name="subject"/> (200 even when there are none).</summary>
    private async Task WriteReferrersAsync(HttpContext context, string subject)
    {
        var artifactType = context.Request.Query["artifactType"].ToString();
        var list = new JsonArray();
        foreach (var (digest, (bytes, mediaType)) in manifests)
        {
            var json = JsonNode.Parse(bytes)!;
            if ((string?)json["subject"]?["digest"] != subject)
            {
                continue;
            }

            var type = (string?)json["artifactType"] ?? (string?)json["config"]?["mediaType"];
            if (artifactType.Length > 0 && type != artifactType)
            {
                continue;
            }

            list.Add(new JsonObject { ["mediaType"] = mediaType, ["digest"] = digest, ["size"] = bytes.Length, ["artifactType"] = type });
        }

        if (artifactType.Length > 0)
        {
            context.Response.Headers["OCI-Filters-Applied"] = "artifactType";
        }

        context.Response.ContentType = "application/vnd.oci.image.index.v1+json";
        await context.Response.WriteAsync(new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = "application/vnd.oci.image.index.v1+json", ["manifests"] = list }.ToJsonString());
    }

    private static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
}
