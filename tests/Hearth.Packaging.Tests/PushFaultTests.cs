using System.Text.RegularExpressions;
using Hearth.Packaging.Oci;
using Hearth.Packaging.Registry;
using Hearth.Testing;

namespace Hearth.Packaging.Tests;

/// <summary>
/// The CLI pushing the tiny model on the real runtime image (tens of MB of layers, sent in 1 MiB
/// chunks) while the docker-registry process is killed in the middle of a layer, then restarted
/// on the same port and storage: nothing is tagged after the cut, and the next run skips what
/// the registry already committed (and resumes the cut layer when the registry still knows the session).
/// </summary>
[Collection(RuntimeImageCollection.Name)]
public sealed partial class PushFaultTests(RuntimeImageFixture runtime)
{
    private static readonly string Spec = Path.Combine(SharedData.RepoRoot, "examples", "tiny.pack.yaml");

    [GeneratedRegex(@"(\d+) blobs written \([^)]*\), (\d+) already there, (\d+) bytes sent")]
    private static partial Regex PushLine();

    private static long LargestUpload(string repository)
    {
        try
        {
            return Directory.EnumerateFiles(Path.Combine(repository, "_uploads"), "data", SearchOption.AllDirectories).Select(f => new FileInfo(f).Length).DefaultIfEmpty(0).Max();
        }
        catch (IOException)
        {
            return 0; // not there yet, or an upload finished while we looked
        }
    }

    private static string[] Committed(string repository)
    {
        var layers = Path.Combine(repository, "_layers", "sha256");
        return Directory.Exists(layers) ? [.. Directory.GetDirectories(layers).Select(d => "sha256:" + Path.GetFileName(d))] : [];
    }

    [Fact]
    public async Task A_cli_push_cut_off_by_a_registry_crash_mid_layer_tags_nothing_and_the_next_run_skips_what_was_committed()
    {
        await using var registry = await RegistryServer.StartAsync();
        using var dir = new TempDir();
        var home = dir.File("home");
        var env = new Dictionary<string, string> { ["HEARTH_HOME"] = home, ["HEARTH_PACK_CHUNK_SIZE"] = (1 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        string[] args = ["pack", "build", Spec, "--runtime", "oci:" + runtime.Layout, "--push", $"{registry.Host}/hearth/big:1"];
        var repository = Path.Combine(registry.Storage, "docker", "registry", "v2", "repositories", "hearth", "big");

        var push = Tools.HearthAsync("022", env, dir.Path, args);
        long cut = 0;
        string[] committedAtCut = [];
        while (!push.IsCompleted)
        {
            // At least one blob committed and another one 4 MiB into its upload: stop the registry there.
            var inFlight = LargestUpload(repository);
            committedAtCut = Committed(repository);
            if (committedAtCut.Length >= 1 && inFlight >= 4 << 20)
            {
                registry.Kill();
                cut = inFlight;
                break;
            }

            await Task.Delay(5);
        }

        var (code, _, stderr) = await push;
        Assert.True(cut > 0, "the push finished before the registry could be stopped in the middle of a layer: " + stderr);
        Assert.Equal(7, code); // a network error, with the registry named
        Assert.Contains($"registry {registry.Host}", stderr, StringComparison.Ordinal);

        await registry.StartAgainAsync();
        var (inspect, _, _) = await Tools.RunAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.Host}/hearth/big:1"]);
        Assert.NotEqual(0, inspect); // no tag points at the half-pushed image
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(home, "pack", "uploads"))); // the cut upload's session was remembered

        (code, var stdout, stderr) = await Tools.HearthAsync("022", env, dir.Path, args);
        Assert.True(code == 0, stderr);
        var line = PushLine().Match(stderr);
        Assert.True(line.Success, stderr);
        var (skipped, sent) = (int.Parse(line.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), long.Parse(line.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(skipped >= committedAtCut.Length, stderr);

        using var http = new HttpClient();
        var pushed = await ImageReader.ReadAsync(new RegistryImageStore(new RegistryClient(http, registry.Host), "hearth/big"), "1", CancellationToken.None);
        Assert.Equal(stdout.Trim(), pushed.Digest);
        var blobs = pushed.Blobs().ToDictionary(b => b.Digest, b => b.Size);
        var left = blobs.Values.Sum() - committedAtCut.Where(blobs.ContainsKey).Sum(d => blobs[d]);
        Assert.True(sent <= left, $"second run sent {sent} bytes; {left} were not committed before the cut");
        Assert.Empty(Directory.GetFiles(Path.Combine(home, "pack", "uploads")));

        // Whether the cut layer itself resumed depends on where the kill landed (a half-written chunk makes the registry refuse the session).
        Console.WriteLine($"cut at {cut} bytes into a layer; second run sent {sent} of {left} uncommitted bytes (resumed: {sent <= left - cut})");
        var (verify, _, verr) = await Tools.RunAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.Host}/hearth/big:1"]);
        Assert.True(verify == 0, verr);
    }
}
