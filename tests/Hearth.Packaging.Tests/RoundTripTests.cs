using System.ClientModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.Text.Json.Nodes;
using Hearth.Packaging.Oci;
using Hearth.Packaging.Registry;
using Hearth.Testing;
using OpenAI;
using OpenAI.Chat;

namespace Hearth.Packaging.Tests;

/// <summary>
/// The issue's round trip: the real runtime image plus the tiny model, built and pushed by the CLI
/// to a real registry, shown by skopeo for both platforms, the amd64 image unpacked by umoci and its
/// entrypoint run inside the rootfs with chroot (as user 65532), answering the OpenAI .NET SDK.
/// </summary>
[Collection(RuntimeImageCollection.Name)]
public sealed class RoundTripTests(RuntimeImageFixture runtime)
{
    private static readonly string Spec = Path.Combine(SharedData.RepoRoot, "examples", "tiny.pack.yaml");

    private async Task<(RegistryServer Registry, string Digest)> PushTinyAsync(TempDir dir)
    {
        var registry = await RegistryServer.StartAsync();
        var env = new Dictionary<string, string> { ["HEARTH_HOME"] = dir.File("home") };
        var (code, stdout, stderr) = await Tools.HearthAsync("022", env, dir.Path,
            "pack", "build", Spec, "--runtime", "oci:" + runtime.Layout, "--push", $"{registry.Host}/hearth/tiny:1");
        Assert.True(code == 0, stderr);
        var digest = stdout.Trim();

        // A second push of the unchanged image uploads nothing.
        (code, _, stderr) = await Tools.HearthAsync("022", env, dir.Path,
            "pack", "build", Spec, "--runtime", "oci:" + runtime.Layout, "--push", $"{registry.Host}/hearth/tiny:1");
        Assert.True(code == 0, stderr);
        Assert.Contains("0 blobs written (0 B)", stderr, StringComparison.Ordinal);
        return (registry, digest);
    }

    [Fact]
    public async Task The_pushed_amd64_image_unpacked_by_umoci_serves_the_openai_sdk_from_a_chroot()
    {
        using var dir = new TempDir();
        var (registry, digest) = await PushTinyAsync(dir);
        await using var owned = registry;

        var (code, raw, err) = await Tools.RunAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.Host}/hearth/tiny:1"]);
        Assert.True(code == 0, err);
        Assert.Equal(digest, Digest.Of(System.Text.Encoding.UTF8.GetBytes(raw.TrimEnd('\n'))));
        Assert.Equal(["linux/amd64", "linux/arm64"], JsonNode.Parse(raw)!["manifests"]!.AsArray().Select(m => $"{m!["platform"]!["os"]}/{m["platform"]!["architecture"]}"));

        var layout = dir.File("layout");
        (code, _, err) = await Tools.RunAsync("skopeo", ["copy", "--src-tls-verify=false", "--override-arch", "amd64", $"docker://{registry.Host}/hearth/tiny:1", $"oci:{layout}:amd64"]);
        Assert.True(code == 0, err);
        var bundle = dir.File("bundle");
        (code, _, err) = await Tools.RunAsync("umoci", ["unpack", "--image", $"{layout}:amd64", bundle]);
        Assert.True(code == 0, err);

        var port = Tools.FreePort();
        using var server = StartInChroot(bundle, port, isolateNetwork: false);
        try
        {
            await WaitForAsync(() => new HttpClient().GetAsync($"http://127.0.0.1:{port}/health"), server);
            var client = new ChatClient("tiny", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri($"http://127.0.0.1:{port}/v1") });
            var completion = await client.CompleteChatAsync([new UserChatMessage("Hello")], new ChatCompletionOptions { MaxOutputTokenCount = 8 });
            Assert.False(string.IsNullOrEmpty(completion.Value.Content[0].Text));
            Assert.Equal("tiny", completion.Value.Model);
            using var http = new HttpClient();
            var chat = await http.GetAsync($"http://127.0.0.1:{port}/chat");
            Assert.True(chat.IsSuccessStatusCode);
            Assert.Equal("text/html", chat.Content.Headers.ContentType?.MediaType);
            await AssertPackedContextAsync(port);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task In_its_own_network_namespace_the_chrooted_server_answers_on_its_loopback()
    {
        using var dir = new TempDir();
        var (registry, _) = await PushTinyAsync(dir);
        await using var owned = registry;
        var layout = dir.File("layout");
        var (code, _, err) = await Tools.RunAsync("skopeo", ["copy", "--src-tls-verify=false", "--override-arch", "amd64", $"docker://{registry.Host}/hearth/tiny:1", $"oci:{layout}:amd64"]);
        Assert.True(code == 0, err);
        var bundle = dir.File("bundle");
        (code, _, err) = await Tools.RunAsync("umoci", ["unpack", "--image", $"{layout}:amd64", bundle]);
        Assert.True(code == 0, err);

        using var server = StartInChroot(bundle, 8080, isolateNetwork: true); // port 8080 is free in a namespace of its own
        try
        {
            string body = "";
            await WaitForAsync(async () =>
            {
                var (c, o, _) = await Tools.RunAsync("nsenter", ["-t", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "-n", "curl", "-sf", "http://127.0.0.1:8080/health"]);
                body = o;
                return new HttpResponseMessage(c == 0 ? System.Net.HttpStatusCode.OK : System.Net.HttpStatusCode.ServiceUnavailable);
            }, server);
            Assert.Contains("ok", body, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task The_arm64_entry_has_its_platform_and_an_aarch64_hearth_binary()
    {
        using var dir = new TempDir();
        var (registry, _) = await PushTinyAsync(dir);
        await using var owned = registry;
        using var http = new HttpClient();
        var store = new RegistryImageStore(new RegistryClient(http, registry.Host), "hearth/tiny");
        var set = await ImageReader.ReadAsync(store, "1", CancellationToken.None);
        var arm = Assert.Single(set.Images, i => i.Platform == Platform.LinuxArm64);
        Assert.Equal("arm64", (string?)arm.ConfigJson()["architecture"]);
        Assert.Equal("linux", (string?)arm.ConfigJson()["os"]);
        Assert.Equal(set.Images[0].Layers[^2].Descriptor.Digest, arm.Layers[^2].Descriptor.Digest); // the model layer is shared

        // The app layer (second) holds app/hearth: an ELF whose e_machine is AArch64 (183).
        using var tar = new MemoryStream();
        await arm.Layers[1].Blob.CopyToAsync(tar, CancellationToken.None);
        tar.Position = 0;
        using var reader = new TarReader(tar);
        TarEntry? hearth = null;
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            if (entry.Name == "app/hearth")
            {
                hearth = entry;
                break;
            }
        }

        Assert.NotNull(hearth);
        Assert.Equal(LayerItem.Modes.Executable, hearth.Mode);
        var header = new byte[20];
        hearth.DataStream!.ReadExactly(header);
        Assert.Equal(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }, header[..4]);
        Assert.Equal(Platform.LinuxArm64.ElfMachine, BitConverter.ToUInt16(header, 18));
    }

    [Fact]
    public async Task Pack_run_pulls_unpacks_and_serves_an_image_without_a_container_runtime()
    {
        using var dir = new TempDir();
        var env = new Dictionary<string, string> { ["HEARTH_HOME"] = dir.File("home") };
        var (code, _, stderr) = await Tools.HearthAsync("022", env, dir.Path,
            "pack", "build", Spec, "--runtime", "oci:" + runtime.Layout, "--output", $"oci:{dir.File("out")}:tiny", "--output", $"docker-archive:{dir.File("tiny.tar")}:hearth/tiny:1");
        Assert.True(code == 0, stderr);
        (code, var inspect, stderr) = await Tools.RunAsync("skopeo", ["inspect", $"docker-archive:{dir.File("tiny.tar")}"]);
        Assert.True(code == 0, stderr); // the docker-archive reads as a docker image
        Assert.Equal("amd64", (string?)JsonNode.Parse(inspect)!["Architecture"]);

        var port = Tools.FreePort();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "hearth.dll"), "pack", "run", $"oci:{dir.File("out")}:tiny", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["HEARTH_HOME"] = dir.File("home");
        using var run = Process.Start(start)!;
        run.OutputDataReceived += (_, _) => { };
        run.ErrorDataReceived += (_, _) => { };
        run.BeginOutputReadLine();
        run.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient();
            await WaitForAsync(() => http.GetAsync($"http://127.0.0.1:{port}/health"), run);
            var models = await http.GetStringAsync($"http://127.0.0.1:{port}/v1/models");
            Assert.Contains("\"tiny\"", models, StringComparison.Ordinal);
            await AssertPackedContextAsync(port);
        }
        finally
        {
            run.Kill(entireProcessTree: true);
            await run.WaitForExitAsync();
        }
    }

    /// <summary>
    /// Runs the image's entrypoint (from umoci's runtime config) inside the rootfs: a private mount
    /// namespace gets /proc and /dev (the .NET runtime needs them), then chroot as the image's user,
    /// with the image's environment. Optionally in a network namespace of its own with loopback up.
    /// </summary>
    private static Process StartInChroot(string bundle, int port, bool isolateNetwork)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(bundle, "config.json")))!["process"]!;
        var args = config["args"]!.AsArray().Select(a => (string)a!).ToList();
        args[args.IndexOf("--host") + 1] = "127.0.0.1";
        args[args.IndexOf("--port") + 1] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var user = $"{config["user"]!["uid"]}:{config["user"]!["gid"]}";
        var rootfs = Path.Combine(bundle, "rootfs");
        Directory.CreateDirectory(Path.Combine(rootfs, "proc"));
        Directory.CreateDirectory(Path.Combine(rootfs, "dev"));
        var script = (isolateNetwork ? "ip link set lo up && " : "") +
                     "mount -t proc proc \"$0/proc\" && mount --rbind /dev \"$0/dev\" && exec chroot --userspec=\"$1\" \"$0\" \"${@:2}\"";
        var start = new ProcessStartInfo("unshare") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[.. isolateNetwork ? ["--net"] : Array.Empty<string>(), "--mount", "--fork", "bash", "-c", script, rootfs, user, .. args])
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Clear();
        foreach (var pair in config["env"]!.AsArray().Select(e => ((string)e!).Split('=', 2)))
        {
            start.Environment[pair[0]] = pair[1];
        }

        start.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"; // for unshare/mount/ip on the host side; the image's PATH is unused (no shell)
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The spec's <c>parameters: {ctx: 512}</c> reached the server (as <c>--model-defaults</c>): the tiny model's own context
    /// is 4096, yet a prompt of 600 tokens is refused for a context of 512.</summary>
    private static async Task AssertPackedContextAsync(int port)
    {
        using var http = new HttpClient();
        var prompt = string.Join(' ', Enumerable.Repeat("waves", 600));
        using var response = await http.PostAsync($"http://127.0.0.1:{port}/v1/completions",
            new StringContent($$"""{"model": "tiny", "prompt": "{{prompt}}", "max_tokens": 1}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("maximum context length is 512 tokens", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task WaitForAsync(Func<Task<HttpResponseMessage>> probe, Process server)
    {
        for (var i = 0; i < 240; i++)
        {
            Assert.False(server.HasExited, "the chrooted server exited with " + (server.HasExited ? server.ExitCode : 0));
            try
            {
                using var response = await probe();
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("the chrooted server did not become healthy");
    }
}
