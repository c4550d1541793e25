using Hearth.Server.Ollama;

namespace Hearth.Server.Tests.Ollama;

public sealed class KeepAliveTests
{
    [Theory]
    [InlineData("5m", 300)]
    [InlineData("1h30m", 5400)]
    [InlineData("10s", 10)]
    [InlineData("1.5m", 90)]
    [InlineData("300", 300)]
    [InlineData("0", 0)]
    [InlineData("-1", -1)]
    [InlineData("-1m", -60)]
    public void Parses_go_durations_and_seconds(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), KeepAliveConverter.Parse(text));

    [Theory]
    [InlineData("five minutes")]
    [InlineData("5x")]
    public void Rejects_garbage(string text) =>
        Assert.Throws<System.Text.Json.JsonException>(() => KeepAliveConverter.Parse(text));
}
