using System.Diagnostics;
using System.Net.Sockets;

namespace Hearth.Packaging.Tests;

/// <summary>
/// A real registry (Debian's <c>docker-registry</c>, distribution 2.8) on 127.0.0.1 with a
/// temporary storage root, optionally behind htpasswd Basic auth. It can be stopped and started
/// again on the same port and storage (a fixed HTTP secret keeps upload sessions valid across
/// restarts), which is how tests make a registry go away mid-push.
/// </summary>
internal sealed class RegistryServer : IAsyncDisposable
{
    private readonly TempDir dir = new();
    private Process? process;

    private RegistryServer(int port) => Port = port;

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    public string Storage => Path.Combine(dir.Path, "data");

    public static async Task<RegistryServer> StartAsync((string User, string Password)? htpasswd = null)
    {
        var server = new RegistryServer(Tools.FreePort());
        var auth = "";
        if (htpasswd is { } credentials)
        {
            var (code, stdout, stderr) = await Tools.RunAsync("htpasswd", ["-Bbn", credentials.User, credentials.Password]);
            Assert.True(code == 0, stderr);
            File.WriteAllText(Path.Combine(server.dir.Path, "htpasswd"), stdout);
            auth = $"auth:\n  htpasswd:\n    realm: hearth-test\n    path: {Path.Combine(server.dir.Path, "htpasswd")}\n";
        }

        File.WriteAllText(Path.Combine(server.dir.Path, "config.yml"), $"""
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: {server.Storage}
            http:
              addr: 127.0.0.1:{server.Port}
              secret: hearth-test-secret
            {auth}
            """);
        await server.StartAgainAsync();
        return server;
    }

    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo("docker-registry") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(Path.Combine(dir.Path, "config.yml"));
        process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        for (var i = 0; i < 200; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException("docker-registry exited at start: code " + process.ExitCode);
                }

                await Task.Delay(50);
            }
        }

        throw new TimeoutException("docker-registry did not start listening");
    }

    /// <summary>Kills the registry process (as a crash or a network loss would), keeping its storage.</summary>
    public void Kill()
    {
        if (process is { HasExited: false })
        {
            process.Kill();
            process.WaitForExit();
        }

        process?.Dispose();
        process = null;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        dir.Dispose();
        return ValueTask.CompletedTask;
    }
}
