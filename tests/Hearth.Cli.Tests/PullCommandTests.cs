using System.Security.Cryptography;
using Hearth.Store.Tests;
using Hearth.Testing;

namespace Hearth.Cli.Tests;

/// <summary>hearth pull against a real HTTP server on 127.0.0.1.</summary>
public sealed class PullCommandTests : IAsyncLifetime, IDisposable
{
    private static readonly byte[] Tiny = File.ReadAllBytes(SharedData.Model("llama-2-tiny-random.gguf"));
    private readonly StoreCli cli = new();
    private TestFileServer server = null!;

    public async Task InitializeAsync()
    {
        server = await TestFileServer.StartAsync();
        server.Files["tiny.gguf"] = Tiny;
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Pull_downloads_registers_and_lists_the_model()
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(Tiny));

        var pull = await cli.RunAsync("pull", server.FileUrl("tiny.gguf").ToString(), "--name", "my/tiny:v1", "--sha256", sha);

        Assert.Equal(0, pull.ExitCode);
        Assert.Contains($"pulled 'my/tiny:v1' (1.8 MB, F16, llama, sha256:{sha})", pull.Stdout, StringComparison.Ordinal);
        Assert.Contains("verifying sha256 digest", pull.StderrLines);
        Assert.Equal("success", pull.StderrLines[^1]);
        Assert.Equal(Tiny, await File.ReadAllBytesAsync(Path.Combine(cli.Home, "models", "blobs", "sha256-" + sha)));
        Assert.Matches(@"my/tiny:v1\s+1\.8 MB\s+F16\s+llama", (await cli.RunAsync("list")).Stdout);
    }

    [Fact]
    public async Task Pull_errors_are_one_line_with_their_exit_code()
    {
        var notFound = await cli.RunAsync("pull", server.FileUrl("absent.gguf").ToString());
        Assert.Equal(ExitCodes.NetworkError, notFound.ExitCode);
        Assert.StartsWith("error: download failed: 404", notFound.StderrLines[^1], StringComparison.Ordinal);

        var mismatch = await cli.RunAsync("pull", server.FileUrl("tiny.gguf") + "#sha256=" + new string('0', 64));
        Assert.Equal(ExitCodes.InvalidFormat, mismatch.ExitCode);
        Assert.StartsWith("error: sha256 mismatch", mismatch.StderrLines[^1], StringComparison.Ordinal);

        var badSource = await cli.RunAsync("pull", "not-a-source");
        Assert.Equal(ExitCodes.InvalidInput, badSource.ExitCode);
        Assert.StartsWith("error: cannot pull 'not-a-source'", Assert.Single(badSource.StderrLines), StringComparison.Ordinal);

        Assert.Contains("no models yet", (await cli.RunAsync("list")).Stdout, StringComparison.Ordinal);
    }
}
