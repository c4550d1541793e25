using Hearth.Instances.Config;
using Hearth.Instances.Model;

namespace Hearth.Instances.Tests.Config;

public sealed class InstancesFileTests
{
    [Fact]
    public void Instances_and_llama_swap_models_are_read()
    {
        var specs = InstancesFile.Parse("""
            instances:
              chat:
                model: llama-2-tiny-random
                ttl: 10m
                autostart: true
                args: [--parallel, "2"]
              web:
                command: python3 -m http.server $PORT
                health: http:/
                restart: always
                env: {A: "1"}
                secrets: {TOKEN: MY_TOKEN}
                gpu: "0"
            models:
              "Llama-3.1 8B":
                cmd: |
                  llama-server --port ${PORT}
                  -m /models/llama.gguf
                ttl: 300
                aliases: [gpt-4o-mini]
                env: ["CUDA_VISIBLE_DEVICES=1"]
            """);
        Assert.Equal(["chat", "web", "llama-3-1-8b"], specs.Select(s => s.Name));
        var chat = specs[0];
        Assert.Equal((InstanceSpec.ModelBlueprint, "llama-2-tiny-random", "10m", true), (chat.Blueprint, chat.Model, chat.Ttl, chat.Autostart));
        Assert.Equal(["--parallel", "2"], chat.Args);
        Assert.Equal(RestartPolicy.Always, specs[1].Restart);
        Assert.Equal("MY_TOKEN", specs[1].Secrets["TOKEN"]);
        var swap = specs[2];
        Assert.Equal("llama-server --port ${PORT} -m /models/llama.gguf ", swap.Command);
        Assert.Equal(["Llama-3.1 8B", "gpt-4o-mini"], swap.Models);
        Assert.Equal("300s", swap.Ttl);
        Assert.Equal("http:/health", swap.Health);
        Assert.Equal("1", swap.Env["CUDA_VISIBLE_DEVICES"]);
    }

    [Theory]
    [InlineData("instances:\n  web:\n    command: x\n    colour: red\n", 4, "unknown field 'colour'")]
    [InlineData("instances:\n  web:\n    command: x\n    health: ping\n", 4, "unknown health check")]
    [InlineData("instances:\n  web:\n    command: x\n    restart: sometimes\n", 4, "restart must be")]
    [InlineData("instances:\n  Web Server:\n    command: x\n", 2, "invalid instance name")]
    [InlineData("instances:\n  web:\n    health: tcp\n", 2, "needs a command")]
    [InlineData("instances:\n  web:\n    command: x\n    autostart: maybe\n", 4, "true or false")]
    [InlineData("instances:\n  web: [1, 2]\n", 2, "expected a mapping")]
    [InlineData("instances:\n  web:\n    command: 'x\n", 3, "invalid YAML")]
    [InlineData("instances:\n  a:\n    command: x\n  a:\n    command: y\n", 4, "Duplicate key")]
    [InlineData("services:\n  web: {}\n", 1, "unknown section")]
    [InlineData("models:\n  m:\n    proxy: http://x\n", 2, "needs cmd")]
    public void Errors_carry_the_line(string yaml, int line, string message)
    {
        var ex = Assert.Throws<InstanceSpecException>(() => InstancesFile.Parse(yaml));
        Assert.Equal(line, ex.Line);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_defined_twice_is_an_error()
    {
        var ex = Assert.Throws<InstanceSpecException>(() => InstancesFile.Parse("instances:\n  a-b:\n    command: x\nmodels:\n  A B:\n    cmd: y\n"));
        Assert.Contains("defined twice", ex.Message, StringComparison.Ordinal);
    }
}
