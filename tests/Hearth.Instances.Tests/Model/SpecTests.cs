using Hearth.Instances.Blueprints;
using Hearth.Instances.Model;

namespace Hearth.Instances.Tests.Model;

public sealed class SpecTests
{
    [Theory]
    [InlineData("http:/health", HealthKind.Http)]
    [InlineData("tcp", HealthKind.Tcp)]
    [InlineData("log:Listening on \\d+", HealthKind.Log)]
    [InlineData("none", HealthKind.None)]
    [InlineData(null, HealthKind.None)]
    public void Health_checks_parse(string? text, HealthKind kind) => Assert.Equal(kind, HealthCheck.Parse(text).Kind);

    [Theory]
    [InlineData("http:health", "must start with '/'")]
    [InlineData("log:", "needs a regex")]
    [InlineData("log:([", "invalid regex")]
    [InlineData("ping", "unknown health check")]
    public void Bad_health_checks_say_why(string text, string message)
    {
        var ex = Assert.Throws<InstanceSpecException>(() => HealthCheck.Parse(text));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.Equal("health", ex.Field);
    }

    [Theory]
    [InlineData("Bad_Name")]
    [InlineData("-x")]
    [InlineData("")]
    [InlineData("a.b")]
    public void Names_must_be_host_labels(string name)
    {
        var spec = new InstanceSpec { Name = name, Command = "true" };
        Assert.Equal("name", Assert.Throws<InstanceSpecException>(spec.Validate).Field);
    }

    [Fact]
    public void Specs_need_their_blueprint_inputs_and_valid_fields()
    {
        Assert.Equal("command", Assert.Throws<InstanceSpecException>(new InstanceSpec { Name = "a" }.Validate).Field);
        Assert.Equal("model", Assert.Throws<InstanceSpecException>(new InstanceSpec { Name = "a", Blueprint = "hearth-model" }.Validate).Field);
        Assert.Equal("ttl", Assert.Throws<InstanceSpecException>(new InstanceSpec { Name = "a", Command = "x", Ttl = "soon" }.Validate).Field);
        Assert.Equal("probe", Assert.Throws<InstanceSpecException>(new InstanceSpec { Name = "a", Command = "x", Probe = "work" }.Validate).Field);
        Assert.Equal("parent", Assert.Throws<InstanceSpecException>(new InstanceSpec { Name = "a", Command = "x", Parent = "a" }.Validate).Field);
        Assert.Equal("env", Assert.Throws<InstanceSpecException>(new InstanceSpec { Name = "a", Command = "x", Env = new Dictionary<string, string> { ["1X"] = "" } }.Validate).Field);
        new InstanceSpec { Name = "chat-1", Blueprint = "hearth-model", Model = "tiny", Ttl = "10m", Health = "http:/health" }.Validate();
    }

    [Fact]
    public void Specs_round_trip_through_json_and_unknown_fields_are_rejected()
    {
        var spec = new InstanceSpec { Name = "a", Command = "serve $PORT", Restart = RestartPolicy.OnFailure, Ttl = "5m", Env = new Dictionary<string, string> { ["K"] = "v" } };
        var json = SpecJson.Serialize(spec);
        Assert.Contains("\"restart\":\"on-failure\"", json, StringComparison.Ordinal);
        var back = SpecJson.Deserialize(json);
        Assert.Equal(spec.Command, back.Command);
        Assert.Equal("v", back.Env["K"]);
        Assert.Throws<InstanceSpecException>(() => SpecJson.Deserialize("{\"name\":\"a\",\"comand\":\"x\"}"));
    }

    [Theory]
    [InlineData("90", 90)]
    [InlineData("10m", 600)]
    [InlineData("1h", 3600)]
    [InlineData("500ms", 0.5)]
    public void Durations_parse(string text, double seconds) => Assert.Equal(seconds, Durations.Parse(text).TotalSeconds);

    [Fact]
    public void Served_models_default_to_the_model_name()
    {
        Assert.Equal(["tiny"], new InstanceSpec { Name = "a", Blueprint = "hearth-model", Model = "/x/tiny.gguf" }.ServedModels());
        Assert.Equal(["m1", "m2"], new InstanceSpec { Name = "a", Command = "x", Models = ["m1", "m2"] }.ServedModels());
        Assert.Empty(new InstanceSpec { Name = "a", Command = "x" }.ServedModels());
    }
}
