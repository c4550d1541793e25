using System.Text;
using Hearth.Router.Caching;

namespace Hearth.Router.Tests.Caching;

public sealed class CacheKeyTests
{
    private const string Chat = "/v1/chat/completions";

    private static string? Key(string json, string route = Chat) => CacheKey.For(route, Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Member_order_spacing_number_spelling_and_user_do_not_change_the_key()
    {
        var a = Key("""{"model":"m","temperature":0,"messages":[{"role":"user","content":"hi"}],"max_tokens":10,"user":"alice"}""");
        var b = Key("""
            { "messages": [ { "content": "hi", "role": "user" } ],
              "max_tokens": 10.0, "model": "m", "temperature": 0.0, "user": "bob", "cache": true }
            """);
        Assert.NotNull(a);
        Assert.StartsWith("hc:", a, StringComparison.Ordinal);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Content_parameters_stream_and_route_all_change_the_key()
    {
        const string Baseline = """{"model":"m","temperature":0,"messages":[{"role":"user","content":"hi"}]}""";
        var keys = new[]
        {
            Key(Baseline),
            Key("""{"model":"m","temperature":0,"messages":[{"role":"user","content":"hi!"}]}"""),
            Key("""{"model":"m2","temperature":0,"messages":[{"role":"user","content":"hi"}]}"""),
            Key("""{"model":"m","temperature":0,"top_p":0.5,"messages":[{"role":"user","content":"hi"}]}"""),
            Key("""{"model":"m","temperature":0,"stream":true,"messages":[{"role":"user","content":"hi"}]}"""),
            Key(Baseline, "/v1/completions"),
        };
        Assert.All(keys, Assert.NotNull);
        Assert.Equal(keys.Length, keys.Distinct().Count());
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[]}""")] // default temperature is not 0
    [InlineData("""{"model":"m","temperature":0.7,"messages":[]}""")]
    [InlineData("""{"model":"m","temperature":0,"cache":false,"messages":[]}""")]
    [InlineData("""{"model":"m","seed":1,"cache":false}""")]
    [InlineData("""{"model":"m","temperature":"0"}""")]
    [InlineData("""{"model":"m","temperature":0""")] // malformed
    [InlineData("""[1,2]""")]
    [InlineData("")]
    public void Nondeterministic_opted_out_or_unparseable_requests_have_no_key(string json) => Assert.Null(Key(json));

    [Theory]
    [InlineData("""{"model":"m","temperature":0.9,"seed":42,"messages":[]}""", Chat)]
    [InlineData("""{"model":"m","temperature":0}""", Chat)]
    [InlineData("""{"model":"m","messages":[],"options":{"temperature":0}}""", "/api/chat")]
    [InlineData("""{"model":"m","prompt":"x","options":{"seed":7}}""", "/api/generate")]
    [InlineData("""{"model":"e","input":"text"}""", "/v1/embeddings")]
    public void Deterministic_requests_are_cacheable(string json, string route) => Assert.NotNull(Key(json, route));
}
