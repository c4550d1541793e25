using System.Diagnostics;

namespace Hearth.Packaging.Runtime;

/// <summary>
/// <c>dotnet publish</c> of the Hearth CLI, self-contained for one runtime identifier, into a cache
/// folder. Intermediate files go to a separate artifacts path so a publish never races the
/// developer's own build. A publish is reused while no source or project file is newer than it.
/// Trimming stays off: the server and its JSON APIs use reflection that trimming would break.
/// </summary>
public sealed class DotnetPublisher(string repositoryRoot, string cacheDirectory)
{
    public const string ProjectPath = "src/Hearth.Cli/Hearth.Cli.csproj";

    public async Task<string> PublishAsync(string runtimeIdentifier, CancellationToken cancellationToken)
    {
        var output = Path.Combine(cacheDirectory, "publish", runtimeIdentifier);
        var stamp = Path.Combine(output, ".hearth-publish-stamp");
        if (File.Exists(stamp) && !SourcesNewerThan(File.GetLastWriteTimeUtc(stamp)))
        {
            return output;
        }

        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        var started = DateTime.UtcNow;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = repositoryRoot };
        foreach (var arg in (string[])["publish", Path.Combine(repositoryRoot, ProjectPath), "-c", "Release", "-r", runtimeIdentifier, "--self-contained",
                     "-p:InvariantGlobalization=true", "-p:DebugType=none", "-p:GenerateDocumentationFile=false",
                     "--artifacts-path", Path.Combine(cacheDirectory, "publish-artifacts"), "-o", output, "-nologo", "-v", "quiet", "-clp:ErrorsOnly"])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish -r {runtimeIdentifier} failed: {await stdout.ConfigureAwait(false)}{await stderr.ConfigureAwait(false)}");
        }

        await File.WriteAllTextAsync(stamp, "", cancellationToken).ConfigureAwait(false);
        File.SetLastWriteTimeUtc(stamp, started);
        return output;
    }

    private bool SourcesNewerThan(DateTime time)
    {
        foreach (var root in (string[])["src", "Directory.Build.props", "Directory.Packages.props"])
        {
            var path = Path.Combine(repositoryRoot, root);
            if (File.Exists(path) && File.GetLastWriteTimeUtc(path) > time)
            {
                return true;
            }

            if (Directory.Exists(path) && Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
                    .Any(f => File.GetLastWriteTimeUtc(f) > time))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The repository root above <paramref name="start"/> (the folder holding Hearth.slnx), or null.</summary>
    public static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hearth.slnx")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
