using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Hearth.RouterBench;

/// <summary>A redis-server child on a free loopback port, no persistence, for <c>--redis-server</c>: the soak
/// kills it and starts it again on the same port (a crash and restart, which loses its counters).</summary>
internal sealed class RedisChild : IAsyncDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hearth-routerbench-redis-").FullName;
    private Process? process;

    private RedisChild(int port) => Port = port;

    public int Port { get; }

    public string Url => "redis://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public static async Task<RedisChild> StartNewAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var child = new RedisChild(((IPEndPoint)listener.LocalEndpoint).Port);
        listener.Stop();
        await child.StartAsync();
        return child;
    }

    public async Task StartAsync()
    {
        var info = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var arg in new[] { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no" })
        {
            info.ArgumentList.Add(arg);
        }

        process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start (apt-get install redis-server)");
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await PingAsync())
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("redis-server did not answer PING");
            }

            await Task.Delay(50);
        }
    }

    public async Task StopAsync()
    {
        if (process is { HasExited: false } p)
        {
            p.Kill();
            await p.WaitForExitAsync();
        }

        process?.Dispose();
        process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(dir, recursive: true);
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
