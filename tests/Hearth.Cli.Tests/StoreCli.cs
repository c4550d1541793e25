using System.Diagnostics;

namespace Hearth.Cli.Tests;

internal sealed record StoreCliResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Runs the built CLI (hearth.dll next to the tests) as a process with its own HEARTH_HOME.</summary>
internal sealed class StoreCli : IDisposable
{
    public StoreCli()
    {
        Home = Path.Combine(Path.GetTempPath(), "hearth-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Home);
    }

    public string Home { get; }

    public async Task<StoreCliResult> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hearth.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HEARTH_HOME"] = Home;
        start.Environment.Remove("HEARTH_HF_ENDPOINT");
        start.Environment.Remove("HF_TOKEN");
        start.Environment.Remove("HEARTH_DEBUG");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new StoreCliResult(process.ExitCode, await stdout, await stderr);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
