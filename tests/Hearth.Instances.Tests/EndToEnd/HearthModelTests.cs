using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Instances.Model;
using Hearth.Instances.Tests.Support;
using Hearth.Testing;

namespace Hearth.Instances.Tests.EndToEnd;

/// <summary>A real <c>hearth serve</c> instance behind the supervisor's OpenAI endpoint.</summary>
public sealed class HearthModelTests
{
    [Fact]
    public async Task The_first_chat_request_starts_the_model_instance_and_a_killed_one_comes_back_with_its_logs_kept()
    {
        await using var host = await TestHost.StartAsync(supervisor: o => o.HearthCommand = HearthCli.Command);
        await host.Supervisor.CreateAsync(new InstanceSpec
        {
            Name = "tiny",
            Blueprint = InstanceSpec.ModelBlueprint,
            Model = SharedData.Model("llama-2-tiny-random.gguf"),
            Args = ["--parallel", "1"],
            Restart = RestartPolicy.Always,
        });
        Assert.Equal(InstanceState.Stopped, host.Supervisor.Get("tiny").State);
        const string Chat = """{"model":"llama-2-tiny-random","messages":[{"role":"user","content":"hi"}],"max_tokens":4}""";
        using (var first = await host.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), new StringContent(Chat, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var json = await first.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("llama-2-tiny-random", json.GetProperty("model").GetString());
        }

        var pid = host.Supervisor.Get("tiny").Pid!.Value;
        Assert.Equal(0, host.Supervisor.Get("tiny").Restarts);
        Hearth.Instances.Processes.Native.SignalGroup(pid, 9);
        // A request sent right after the kill waits for the restart instead of failing.
        using (var during = await host.Http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), new StringContent(Chat, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, during.StatusCode);
        }

        await Eventually.TrueAsync(() => host.Supervisor.Get("tiny").Restarts == 1 && host.Supervisor.Get("tiny").IsUp, $"restarted (now {host.Supervisor.Get("tiny").State}: {host.Supervisor.Logs("tiny").ReadRun(2)})");
        Assert.NotEqual(pid, host.Supervisor.Get("tiny").Pid);
        var log = host.Supervisor.Logs("tiny");
        Assert.Equal([1, 2], log.Runs());
        Assert.Contains("hearth: listening on", log.ReadRun(1), StringComparison.Ordinal);
        Assert.True(log.ReadRun(1)!.Contains("exited with code 137", StringComparison.Ordinal), log.ReadRun(1));
        Assert.Contains("hearth: listening on", log.ReadRun(2), StringComparison.Ordinal);
    }
}
