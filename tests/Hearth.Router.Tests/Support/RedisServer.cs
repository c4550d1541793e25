using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Hearth.Router.Tests.Support;

/// <summary>
/// A real <c>redis-server</c> (the Debian package) on a free 127.0.0.1 port with a temp folder and no
/// persistence, killed and its folder deleted on dispose. <see cref="StopAsync"/> and
/// <see cref="StartAsync"/> take it down and bring it back on the same port, to test outages.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly TempDir dir = new();
    private Process? process;

    private RedisServer(int port)
    {
        Port = port;
    }

    public int Port { get; }

    public string Url => $"redis://127.0.0.1:{Port}";

    public static async Task<RedisServer> LaunchAsync()
    {
        var server = new RedisServer(FreePort());
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync()
    {
        var info = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--dir", dir.Path, "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
        })
        {
            info.ArgumentList.Add(arg);
        }

        process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {process.ExitCode}");
            }

            if (await CommandAsync("PING") == "+PONG")
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("redis-server did not answer PING within 20 s");
    }

    /// <summary>Kills the server (as a crash would) and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        if (process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }

        process?.Dispose();
        process = null;
    }

    /// <summary>Sends one inline command and returns the first line of the reply, or null when unreachable.</summary>
    public async Task<string?> CommandAsync(string command)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
            var buffer = new byte[64 * 1024];
            var read = await stream.ReadAsync(buffer);
            var text = Encoding.ASCII.GetString(buffer, 0, read);
            if (text.StartsWith('$'))
            {
                // bulk string: read the rest until the announced length arrives
                var header = text[..text.IndexOf("\r\n", StringComparison.Ordinal)];
                var length = int.Parse(header[1..], System.Globalization.CultureInfo.InvariantCulture);
                var sb = new StringBuilder(text);
                while (length >= 0 && sb.Length < header.Length + 2 + length + 2)
                {
                    read = await stream.ReadAsync(buffer);
                    if (read == 0)
                    {
                        break;
                    }

                    sb.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                return length < 0 ? null : sb.ToString(header.Length + 2, length);
            }

            return text.TrimEnd('\r', '\n');
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>How many times Redis ran a command (from INFO commandstats), e.g. "evalsha".</summary>
    public async Task<long> CallsAsync(string command)
    {
        var info = await CommandAsync("INFO commandstats") ?? string.Empty;
        foreach (var line in info.Split("\r\n"))
        {
            if (line.StartsWith("cmdstat_" + command + ":calls=", StringComparison.Ordinal))
            {
                var rest = line[("cmdstat_" + command + ":calls=").Length..];
                return long.Parse(rest[..rest.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        dir.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
