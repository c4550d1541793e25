using Hearth.Store.Pull;

namespace Hearth.Store.Tests;

public class PullSourceTests
{
    [Fact]
    public void Urls_keep_their_path_and_yield_the_sha256_fragment()
    {
        var hex = new string('A', 64);
        var source = Assert.IsType<DirectSource>(PullSource.Parse($"https://example.org/m/x%20y.gguf?download=1#sha256={hex}"));
        Assert.Equal("https://example.org/m/x%20y.gguf?download=1", source.Url.AbsoluteUri);
        Assert.Equal(new string('a', 64), source.Sha256);

        Assert.Null(Assert.IsType<DirectSource>(PullSource.Parse("http://127.0.0.1:8080/f.gguf")).Sha256);
    }

    [Theory]
    [InlineData("hf.co/owner/repo", "owner", "repo", null)]
    [InlineData("HF.CO/Owner/Repo-GGUF:Q4_K_M", "Owner", "Repo-GGUF", "Q4_K_M")]
    [InlineData("huggingface.co/a.b/c_d:iq4_xs", "a.b", "c_d", "iq4_xs")]
    public void Hub_references_split_into_owner_repo_and_quant(string text, string owner, string repo, string? quant)
    {
        var source = Assert.IsType<HubSource>(PullSource.Parse(text));
        Assert.Equal((owner, repo, quant), (source.Owner, source.Repository, source.Quant));
    }

    [Theory]
    [InlineData("llama3")]
    [InlineData("ftp://example.org/x.gguf")]
    [InlineData("hf.co/owner")]
    [InlineData("hf.co/owner/repo/extra")]
    [InlineData("hf.co/owner/repo:")]
    [InlineData("hf.co/owner/../x")]
    [InlineData("https://example.org/x.gguf#md5=abc")]
    [InlineData("https://example.org/x.gguf#sha256=1234")]
    public void Other_references_are_argument_errors(string text) =>
        Assert.ThrowsAny<ArgumentException>(() => PullSource.Parse(text));
}
