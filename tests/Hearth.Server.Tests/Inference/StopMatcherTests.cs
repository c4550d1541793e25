using Hearth.Server.Inference;

namespace Hearth.Server.Tests.Inference;

public sealed class StopMatcherTests
{
    [Fact]
    public void Holds_back_a_possible_stop_prefix_then_releases_it()
    {
        var m = new StopMatcher(["END"]);
        Assert.Equal("hello ", m.Push("hello E"));
        Assert.Equal(string.Empty, m.Push("N"));
        Assert.Equal("ENx", m.Push("x"));
        Assert.False(m.Stopped);
    }

    [Fact]
    public void Stops_at_the_earliest_stop_string_across_pieces()
    {
        var m = new StopMatcher(["\n\n", "User:"]);
        Assert.Equal("Hi", m.Push("Hi\n"));
        Assert.Equal(string.Empty, m.Push("\nthere"));
        Assert.True(m.Stopped);
        Assert.Equal(string.Empty, m.Flush());

        var other = new StopMatcher(["\n\n", "User:"]);
        Assert.Equal("ok ", other.Push("ok Us"));
        Assert.Equal(string.Empty, other.Push("er: more"));
        Assert.True(other.Stopped);

    }

    [Fact]
    public void Flush_releases_held_text_when_generation_ends()
    {
        var m = new StopMatcher(["stop"]);
        Assert.Equal("a ", m.Push("a st"));
        Assert.Equal("st", m.Flush());
    }

    [Fact]
    public void Without_stops_text_passes_through()
    {
        var m = new StopMatcher([]);
        Assert.Equal("abc", m.Push("abc"));
    }
}
