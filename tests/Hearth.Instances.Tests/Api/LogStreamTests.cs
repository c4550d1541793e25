using System.Text.Json;
using Hearth.Instances.Model;
using Hearth.Instances.Tests.Support;

namespace Hearth.Instances.Tests.Api;

/// <summary>The live log stream over HTTP: SSE with line ids, resumed after a reconnect, across a crash and restart.</summary>
public sealed class LogStreamTests
{
    [Fact]
    public async Task A_client_that_reconnects_with_its_last_id_gets_every_line_once_in_order_across_a_crash()
    {
        await using var host = await TestHost.StartAsync();
        // Prints numbered lines fast, crashes, and the next run continues the numbering from a file.
        var counter = Path.Combine(host.Home.Path, "counter");
        var script = $"n=$(cat {counter} 2>/dev/null || echo 0); for i in $(seq $n $((n+1999))); do echo \"n=$i\"; done; echo $((n+2000)) > {counter}; " +
                     $"if [ $n -lt 4000 ]; then exit 1; fi; exec sleep 60";
        await host.Supervisor.CreateAsync(new InstanceSpec { Name = "chatty", Command = script, Health = "none", Restart = RestartPolicy.Always });
        await host.Supervisor.StartAsync("chatty");

        var numbers = new List<int>();
        long last = 0;
        var connections = 0;
        while (numbers.Count < 6000 && connections < 200)
        {
            connections++;
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/instances/chatty/logs/stream", UriKind.Relative));
            if (last > 0)
            {
                request.Headers.Add("Last-Event-ID", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            using var response = await host.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            // Read a few hundred events, then drop the connection, as a flaky network would.
            for (var read = 0; read < 700 && numbers.Count < 6000 && await reader.ReadLineAsync() is { } line;)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    continue;
                }

                read++;
                using var doc = JsonDocument.Parse(line[6..]);
                var seq = doc.RootElement.GetProperty("seq").GetInt64();
                Assert.Equal(last + 1, seq);
                last = seq;
                var text = doc.RootElement.GetProperty("text").GetString()!;
                if (text.StartsWith("n=", StringComparison.Ordinal))
                {
                    numbers.Add(int.Parse(text[2..], System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }

        Assert.Equal(Enumerable.Range(0, 6000), numbers);
        Assert.True(connections > 5);
        Assert.Equal(2, host.Supervisor.Get("chatty").Restarts);
    }
}
