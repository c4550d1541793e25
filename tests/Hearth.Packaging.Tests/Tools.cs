using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Hearth.Packaging.Tests;

/// <summary>Child processes (skopeo, umoci, the hearth CLI) and small helpers for the tests.</summary>
internal static class Tools
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static async Task<(int Code, string Out, string Err)> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string>? env = null,
        string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            start.Environment[k] = v;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The hearth CLI built next to the tests, run through bash so umask can differ per run.</summary>
    public static Task<(int Code, string Out, string Err)> HearthAsync(string umask, IDictionary<string, string> env, string workingDirectory, params string[] args) =>
        HearthAsync(umask, env, workingDirectory, TimeSpan.FromMinutes(5), args);

    public static Task<(int Code, string Out, string Err)> HearthAsync(string umask, IDictionary<string, string> env, string workingDirectory, TimeSpan timeout,
        params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "hearth.dll");
        var script = $"umask {umask}; exec dotnet \"$0\" \"$@\"";
        return RunAsync("bash", ["-c", script, dll, .. args], env, workingDirectory, timeout);
    }
}
