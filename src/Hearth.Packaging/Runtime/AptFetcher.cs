using System.Diagnostics;
using System.Security.Cryptography;

namespace Hearth.Packaging.Runtime;

/// <summary>
/// Fetches .deb files for any architecture through the machine's apt sources, without touching the
/// system's apt state: a private lists/cache folder, every architecture enabled there, and no
/// dpkg status (nothing is installed). Each downloaded file's sha256 is checked against the
/// <c>SHA256</c> field of apt's (signed) package index before it is used.
/// </summary>
public sealed class AptFetcher(string directory)
{
    private static readonly TimeSpan ListsMaxAge = TimeSpan.FromDays(1);

    private string Lists => Path.Combine(directory, "lists");

    private string Debs => Path.Combine(directory, "debs");

    private IEnumerable<string> Options() =>
    [
        "-o", "Dir::State::Lists=" + Lists,
        "-o", "Dir::Cache=" + Path.Combine(directory, "cache"),
        "-o", "Dir::State::status=/dev/null",
        "-o", "APT::Architectures::=amd64",
        "-o", "APT::Architectures::=arm64",
        "-o", "APT::Sandbox::User=root",
        "-o", "Debug::NoLocking=1",
    ];

    /// <summary>Refreshes the private package lists when they are missing or older than a day.</summary>
    public async Task UpdateAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(Lists, "partial"));
        Directory.CreateDirectory(Path.Combine(directory, "cache", "archives", "partial"));
        var stamp = Path.Combine(directory, "lists.stamp");
        if (File.Exists(stamp) && DateTime.UtcNow - File.GetLastWriteTimeUtc(stamp) < ListsMaxAge)
        {
            return;
        }

        await RunAsync("apt-get", [.. Options(), "-q", "update"], directory, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(stamp, "", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Downloads <paramref name="name"/> for <paramref name="architecture"/> (the candidate version) and checks its sha256.</summary>
    public async Task<DebPackage> DownloadAsync(string name, string architecture, CancellationToken cancellationToken)
    {
        var show = await RunAsync("apt-cache", [.. Options(), "show", "--no-all-versions", $"{name}:{architecture}"], directory, cancellationToken).ConfigureAwait(false);
        if (!show.Contains("\nSHA256: ", StringComparison.Ordinal))
        {
            // Architecture-independent packages (ca-certificates, tzdata) answer only to their bare name off the native architecture.
            show = await RunAsync("apt-cache", [.. Options(), "show", "--no-all-versions", name], directory, cancellationToken).ConfigureAwait(false);
        }

        var fields = show.Split('\n').Select(l => l.Split(": ", 2)).Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1].Trim());
        if (!fields.TryGetValue("Version", out var version) || !fields.TryGetValue("SHA256", out var sha))
        {
            throw new InvalidDataException($"apt has no usable index entry for {name}:{architecture}");
        }

        var arch = fields.GetValueOrDefault("Architecture", architecture);
        Directory.CreateDirectory(Debs);
        // apt-get download names the file name_version_arch.deb with the epoch's ':' escaped.
        var file = Path.Combine(Debs, $"{name}_{version.Replace(":", "%3a", StringComparison.Ordinal)}_{arch}.deb");
        if (!File.Exists(file) || Hash(file) != sha)
        {
            File.Delete(file);
            var qualified = arch == "all" ? name : $"{name}:{arch}";
            await RunAsync("apt-get", [.. Options(), "-q", "download", $"{qualified}={version}"], Debs, cancellationToken).ConfigureAwait(false);
        }

        var actual = Hash(file);
        if (actual != sha)
        {
            File.Delete(file);
            throw new InvalidDataException($"{Path.GetFileName(file)}: sha256 {actual} does not match apt's index ({sha}); removed");
        }

        return new DebPackage(name, version, arch, sha, file);
    }

    private static string Hash(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static async Task<string> RunAsync(string tool, IEnumerable<string> args, string workingDirectory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["LC_ALL"] = "C";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args.Where(a => !a.StartsWith("-", StringComparison.Ordinal) && !a.Contains("::", StringComparison.Ordinal)))} failed ({process.ExitCode}): {(await stderr.ConfigureAwait(false)).Trim()}");
        }

        return await stdout.ConfigureAwait(false);
    }
}
