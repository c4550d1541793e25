using System.Diagnostics;
using System.Text.RegularExpressions;
using Hearth.Testing;

namespace Hearth.Router.Tests.Support;

/// <summary>A real <c>hearth</c> CLI process (serve or router) on a free loopback port; killed and reaped on dispose.</summary>
internal sealed partial class HearthProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly string home;
    private readonly System.Text.StringBuilder log;

    private HearthProcess(Process process, Uri address, string home, System.Text.StringBuilder log)
    {
        this.process = process;
        this.home = home;
        this.log = log;
        Address = address;
    }

    /// <summary>Everything the process wrote so far, stdout and stderr interleaved by arrival.</summary>
    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    public Uri Address { get; }

    public bool Exited => process.HasExited;

    public static string TinyModel => SharedData.Model("llama-2-tiny-random.gguf");

    public static Task<HearthProcess> ServeAsync(params string[] extra) =>
        StartAsync(["serve", "--model", TinyModel, "--port", "0", "--threads", "1", .. extra], ListeningLine());

    public static Task<HearthProcess> RouterAsync(string config, IReadOnlyDictionary<string, string>? environment = null) =>
        StartAsync(["router", "--config", config, "--port", "0"], RouterLine(), environment);

    public static ProcessStartInfo Command(params string[] args) => Command(Path.Combine(Path.GetTempPath(), "hearth-router-tests-" + Guid.NewGuid().ToString("N")), args);

    private static ProcessStartInfo Command(string home, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hearth.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["HEARTH_API_KEY"] = string.Empty;
        start.Environment["HEARTH_HOME"] = home; // a store of its own, deleted with the process
        return start;
    }

    public void Kill()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        if (Directory.Exists(home))
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static async Task<HearthProcess> StartAsync(string[] args, Regex ready, IReadOnlyDictionary<string, string>? environment = null)
    {
        var home = Path.Combine(Path.GetTempPath(), "hearth-router-tests-" + Guid.NewGuid().ToString("N"));
        var start = Command(home, args);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(90));
                if (line is null)
                {
                    await process.WaitForExitAsync();
                    throw new InvalidOperationException($"hearth {args[0]} exited ({process.ExitCode}): {stderr}");
                }

                if (ready.Match(line) is { Success: true } match)
                {
                    // Keep draining stdout so the child never blocks on a full pipe (into the log, for tests to read).
                    _ = Task.Run(async () =>
                    {
                        while (await process.StandardOutput.ReadLineAsync() is { } more)
                        {
                            lock (stderr)
                            {
                                stderr.AppendLine(more);
                            }
                        }
                    });
                    return new HearthProcess(process, new Uri(match.Groups[1].Value), home, stderr);
                }
            }
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"hearth router: listening on (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex RouterLine();
}
