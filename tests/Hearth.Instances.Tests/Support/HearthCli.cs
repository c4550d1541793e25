using System.Diagnostics;
using Hearth.Testing;

namespace Hearth.Instances.Tests.Support;

/// <summary>The built hearth CLI (src/Hearth.Cli/bin/CONFIG/net10.0/hearth.dll), run as a real process.</summary>
public static class HearthCli
{
    public static string Dll
    {
        get
        {
            var config = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            var dll = Path.Combine(SharedData.RepoRoot, "src", "Hearth.Cli", "bin", config, "net10.0", "hearth.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"build the CLI first (dotnet build src/Hearth.Cli -c {config}): {dll} is missing", dll);
        }
    }

    /// <summary>The command line prefix that runs it (for hearth-model instances).</summary>
    public static string Command => $"{DotNet} {Dll}";

    public static string DotNet => Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";

    /// <summary>Runs a command to completion: exit code and stdout+stderr.</summary>
    public static async Task<(int Code, string Output)> RunAsync(IDictionary<string, string>? env, params string[] args)
    {
        using var process = Start(env, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public static Process Start(IDictionary<string, string>? env, params string[] args)
    {
        var info = new ProcessStartInfo(DotNet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        return Process.Start(info)!;
    }

    public static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}
