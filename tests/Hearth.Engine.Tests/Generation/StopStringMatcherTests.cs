using Hearth.Engine.Generation;

namespace Hearth.Engine.Tests.Generation;

public class StopStringMatcherTests
{
    private static (string Emitted, bool Stopped) Feed(string[] stops, params string[] pieces)
    {
        var m = new StopStringMatcher(stops);
        var emitted = string.Concat(pieces.Select(m.Push)) + m.Flush();
        return (emitted, m.Stopped);
    }

    [Fact]
    public void Without_stop_strings_everything_passes_through()
    {
        Assert.Equal(("hello world", false), Feed([], "hello", " world"));
    }

    [Fact]
    public void A_stop_string_split_across_pieces_is_never_emitted()
    {
        var m = new StopStringMatcher(["</s>"]);
        Assert.Equal("abc", m.Push("abc<"));
        Assert.Equal(string.Empty, m.Push("/"));
        Assert.Equal(string.Empty, m.Push("s>tail"));
        Assert.True(m.Stopped);
        Assert.Equal("</s>", m.MatchedStop);
        Assert.Equal(string.Empty, m.Push("more"));
    }

    [Fact]
    public void Held_back_text_is_released_when_it_turns_out_not_to_be_a_stop()
    {
        Assert.Equal(("a<b and <x", false), Feed(["<stop>"], "a<", "b and <", "x"));
        Assert.Equal(("tail <st", false), Feed(["<stop>"], "tail <st"));
    }

    [Fact]
    public void The_earliest_of_several_stop_strings_wins()
    {
        var m = new StopStringMatcher(["world", "lo w"]);
        Assert.Equal("hel", m.Push("hello world"));
        Assert.Equal("lo w", m.MatchedStop);
    }

    [Fact]
    public void Empty_stop_strings_are_ignored()
    {
        Assert.Equal(("abc", false), Feed(["", ""], "abc"));
    }
}
