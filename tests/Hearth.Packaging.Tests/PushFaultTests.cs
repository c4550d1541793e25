using System.Text.RegularExpressions;
using Hearth.Packaging.Oci;
using Hearth.Packaging.Registry;
using Hearth.Testing;

namespace Hearth.Packaging.Tests;

/// <summary>
/// The CLI pushing the tiny model on the real runtime image (tens of MB of layers, sent in 1 MiB
/// chunks) while the docker-registry process is killed in the middle of a layer, then restarted
/// on the same port and storage: nothing is tagged after the cut, and the next run skips what
/// the registry already committed and resumes the cut layer where the registry stopped.
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

    private static System.Diagnostics.Process StartHearth(IDictionary<string, string> env, string workingDirectory, string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hearth.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env)
        {
            start.Environment[k] = v;
        }

        return System.Diagnostics.Process.Start(start)!;
    }

    private static async Task Signal(string signal, int pid)
    {
        var (code, _, err) = await Tools.RunAsync("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(code == 0, err);
    }

    /// <summary>The in-flight upload's size and last write once it stops growing (the CLI is frozen, so only a request already sent can still land).</summary>
    private static async Task<(long Size, DateTime Written)> SettledUploadAsync(string repository)
    {
        var last = -1L;
        while (true)
        {
            await Task.Delay(200);
            List<FileInfo> files;
            try
            {
                files = [.. Directory.EnumerateFiles(Path.Combine(repository, "_uploads"), "data", SearchOption.AllDirectories).Select(f => new FileInfo(f))];
            }
            catch (IOException)
            {
                files = []; // an upload finished while we looked
            }

            var size = files.Sum(f => f.Length);
            if (size == last)
            {
                return (size, files.Select(f => f.LastWriteTimeUtc).DefaultIfEmpty(DateTime.MinValue).Max());
            }

            last = size;
        }
    }

    [Fact]
    public async Task A_cli_push_cut_off_by_a_registry_crash_mid_layer_tags_nothing_and_the_next_run_resumes_it()
    {
        await using var registry = await RegistryServer.StartAsync();
        using var dir = new TempDir();
        var home = dir.File("home");
        var env = new Dictionary<string, string> { ["HEARTH_HOME"] = home, ["HEARTH_PACK_CHUNK_SIZE"] = (1 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        string[] args = ["pack", "build", Spec, "--runtime", "oci:" + runtime.Layout, "--push", $"{registry.Host}/hearth/big:1"];
        var repository = Path.Combine(registry.Storage, "docker", "registry", "v2", "repositories", "hearth", "big");

        using var cli = StartHearth(env, dir.Path, args);
        var stdoutTask = cli.StandardOutput.ReadToEndAsync();
        var stderrTask = cli.StandardError.ReadToEndAsync();
        var states = Path.Combine(home, "pack", "uploads");
        long cut = 0;
        string[] committedAtCut = [];
        try
        {
            while (!cli.HasExited)
            {
                // At least one blob committed and another 4 MiB into its upload: freeze the CLI, let the
                // registry finish writing what it was sent, and stop the registry when the CLI's saved
                // session covers everything the registry holds (else let the CLI go on and try again).
                committedAtCut = Committed(repository);
                if (committedAtCut.Length >= 1 && LargestUpload(repository) >= 4 << 20 && Directory.Exists(states) && Directory.GetFiles(states).Length > 0)
                {
                    await Signal("STOP", cli.Id);
                    var (size, written) = await SettledUploadAsync(repository);
                    var saved = Directory.GetFiles(states).Select(File.GetLastWriteTimeUtc).DefaultIfEmpty(DateTime.MinValue).Max();
                    if (saved >= written)
                    {
                        registry.Kill();
                        cut = size;
                        committedAtCut = Committed(repository);
                        await Signal("CONT", cli.Id);
                        break;
                    }

                    await Signal("CONT", cli.Id);
                }

                await Task.Delay(5);
            }

            await cli.WaitForExitAsync();
        }
        finally
        {
            if (!cli.HasExited)
            {
                await Tools.RunAsync("kill", ["-CONT", cli.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                cli.Kill(entireProcessTree: true);
            }
        }

        var (code, stderr) = (cli.ExitCode, await stderrTask);
        _ = await stdoutTask;
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

        // The registry was stopped only when the CLI's saved session covered all it held: the cut layer resumes, its first `cut` bytes are not sent again.
        Assert.True(sent <= left - cut, $"second run sent {sent} bytes; {left} were not committed before the cut, {cut} of them were in the cut upload");
        var (verify, _, verr) = await Tools.RunAsync("skopeo", ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.Host}/hearth/big:1"]);
        Assert.True(verify == 0, verr);
    }
}
