namespace Hearth.Store.Tests;

public class ModelNameTests
{
    [Theory]
    [InlineData("llama3", "llama3", "latest", false)]
    [InlineData("Llama3:8B-Instruct", "llama3", "8b-instruct", true)]
    [InlineData("hf.co/Owner/Repo-GGUF:Q4_K_M", "hf.co/owner/repo-gguf", "q4_k_m", true)]
    [InlineData("  tiny_model.v2  ", "tiny_model.v2", "latest", false)]
    public void Parse_normalises_to_lower_case_and_defaults_the_tag(string text, string name, string tag, bool explicitTag)
    {
        var parsed = ModelName.Parse(text);
        Assert.Equal(name, parsed.Name);
        Assert.Equal(tag, parsed.Tag);
        Assert.Equal(explicitTag, parsed.HasExplicitTag);
        Assert.Equal(name + ":" + tag, parsed.ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a:b:c", "one ':'")]
    [InlineData("has space", "' '")]
    [InlineData("a/", "non-empty")]
    [InlineData("/a", "non-empty")]
    [InlineData("a//b", "non-empty")]
    [InlineData("../etc/passwd", "'..'")]
    [InlineData("model:", "tag after ':' is empty")]
    [InlineData(":tag", "before ':' is empty")]
    [InlineData("model:a/b", "in a tag")]
    [InlineData("modèle", "'è'")]
    [InlineData("a\\b", "'\\'")]
    public void Parse_rejects_invalid_names_with_the_reason(string text, string reasonPart)
    {
        var ex = Assert.Throws<InvalidModelNameException>(() => ModelName.Parse(text));
        Assert.Contains(reasonPart, ex.Reason, StringComparison.Ordinal);
        Assert.Contains(reasonPart, ex.Message, StringComparison.Ordinal);
        Assert.False(ModelName.TryParse(text, out _));
    }

    [Fact]
    public void Parse_rejects_overlong_names_and_tags()
    {
        Assert.Throws<InvalidModelNameException>(() => ModelName.Parse(new string('a', ModelName.MaxNameLength + 1)));
        Assert.Throws<InvalidModelNameException>(() => ModelName.Parse("a:" + new string('t', ModelName.MaxTagLength + 1)));
        Assert.Equal(ModelName.MaxNameLength, ModelName.Parse(new string('a', ModelName.MaxNameLength)).Name.Length);
    }

    [Theory]
    [InlineData("TinyLlama 1.1B (Chat).Q4_K_M", "tinyllama-1.1b--chat-.q4_k_m")]
    [InlineData("owner/repo", "owner-repo")]
    [InlineData("***", "model")]
    public void Sanitize_produces_a_valid_name(string text, string expected)
    {
        var sanitized = ModelName.Sanitize(text);
        Assert.Equal(expected, sanitized);
        Assert.True(ModelName.TryParse(sanitized, out var parsed));
        Assert.Equal(sanitized, parsed.Name);
    }
}
