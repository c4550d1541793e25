using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hearth.Instances.Bench;

/// <summary>The scripted test servers the benchmarks supervise (this same program in another mode).</summary>
internal static class Backend
{
    /// <summary>backend PORT: /health, and /stream?n=N (N SSE chunks, flushed one by one).</summary>
    public static async Task ServeAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapGet("/health", () => "ok");
        app.MapGet("/stream", async (HttpContext context, int? n) =>
        {
            context.Response.ContentType = "text/event-stream";
            var chunk = Encoding.UTF8.GetBytes("data: 0123456789abcdef0123456789abcdef\n\n");
            for (var i = 0; i < (n ?? 50); i++)
            {
                await context.Response.Body.WriteAsync(chunk);
                await context.Response.Body.FlushAsync();
            }
        });
        await Console.Out.WriteLineAsync("backend listening");
        await app.RunAsync();
    }

    /// <summary>lines FILE COUNT RATE: prints numbered lines from the counter in FILE at RATE/s; exits 1 after COUNT unless done.</summary>
    public static async Task<int> LinesAsync(string file, int count, int rate, int total)
    {
        var start = File.Exists(file) ? int.Parse(await File.ReadAllTextAsync(file), CultureInfo.InvariantCulture) : 0;
        var stdout = Console.OpenStandardOutput();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var sb = new StringBuilder();
        var end = Math.Min(start + count, total);
        for (var i = start; i < end;)
        {
            // Pace in 10 ms slices: RATE/100 lines per slice.
            var target = start + (int)(clock.Elapsed.TotalSeconds * rate);
            if (target <= i)
            {
                await Task.Delay(1);
                continue;
            }

            sb.Clear();
            for (; i < Math.Min(target, end); i++)
            {
                sb.Append("n=").Append(i).Append('\n');
            }

            await stdout.WriteAsync(Encoding.UTF8.GetBytes(sb.ToString()));
            await stdout.FlushAsync();
            await File.WriteAllTextAsync(file, i.ToString(CultureInfo.InvariantCulture));
        }

        if (end < total)
        {
            return 1; // the crash
        }

        await Task.Delay(Timeout.Infinite);
        return 0;
    }
}
