using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Hearth.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Packaging.Tests;

/// <summary>
/// An <c>hf.co/owner/repo@commit:file</c> source: fetched from <c>$HEARTH_HF_ENDPOINT/owner/repo/resolve/COMMIT/file</c>
/// (a loopback Kestrel server standing in for the hub, which the tests may not reach), pinned to the commit, with the
/// commit as the image's revision label.
/// </summary>
public sealed class HubSourceTests
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";

    [Fact]
    public async Task A_hub_source_is_fetched_at_its_commit_from_the_configured_endpoint()
    {
        var model = SharedData.Model("llama-2-tiny-random.gguf");
        var bytes = await File.ReadAllBytesAsync(model);
        var seen = new ConcurrentQueue<string>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        await using var hub = builder.Build();
        hub.MapGet("/{owner}/{repo}/resolve/{revision}/{**file}", (HttpContext context, string owner, string repo, string revision, string file) =>
        {
            seen.Enqueue($"{owner}/{repo}@{revision}:{file}");
            return revision == Commit && file == "tiny.gguf" ? Results.Bytes(bytes, "application/octet-stream", enableRangeProcessing: true) : Results.NotFound();
        });
        await hub.StartAsync();
        var endpoint = hub.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var dir = new TempDir();
        var runtime = await FakeRuntime.WriteLayoutAsync(dir.File("runtime"));
        var spec = dir.File("hearth.pack.yaml", ReproducibleBuildTests.TinySpec(model, "[linux/amd64]")
            .Replace("source: " + model, $"source: hf.co/owner/tiny-GGUF@{Commit}:tiny.gguf", StringComparison.Ordinal));
        var env = new Dictionary<string, string> { ["HEARTH_HOME"] = dir.File("home"), ["HEARTH_HF_ENDPOINT"] = endpoint };
        var (code, _, stderr) = await Tools.HearthAsync("022", env, dir.Path, "pack", "build", spec, "--runtime", "oci:" + runtime, "--output", "oci:" + dir.File("out"));
        Assert.True(code == 0, stderr);
        Assert.Contains($"owner/tiny-GGUF@{Commit}:tiny.gguf", seen);

        (code, var inspect, stderr) = await Tools.HearthAsync("022", env, dir.Path, "pack", "inspect", "oci:" + dir.File("out"));
        Assert.True(code == 0, stderr);
        Assert.Contains(Commit, inspect, StringComparison.Ordinal); // org.opencontainers.image.revision
        Assert.Contains($"hf.co/owner/tiny-GGUF@{Commit}:tiny.gguf", inspect, StringComparison.Ordinal);
    }
}
