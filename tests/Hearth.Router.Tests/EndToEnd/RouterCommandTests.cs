using System.ClientModel;
using System.Diagnostics;
using Hearth.Router.Tests.Support;
using OpenAI;
using OpenAI.Chat;

namespace Hearth.Router.Tests.EndToEnd;

/// <summary>The real <c>hearth router</c> process.</summary>
public sealed class RouterCommandTests
{
    [Fact]
    public async Task A_config_with_errors_prints_every_error_with_its_line_and_exits_with_invalid_format()
    {
        var config = Path.Combine(Path.GetTempPath(), $"router-bad-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(config, """
            backends:
              - name: a
                url: ftp://nowhere
                tier: moon
            routing:
              strategy: random
              colour: red
            """);
        try
        {
            using var process = Process.Start(HearthProcess.Command("router", "--config", config, "--port", "0"))!;
            var stderr = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.Equal(4, process.ExitCode); // ExitCodes.InvalidFormat
            Assert.Contains("4 error(s)", stderr, StringComparison.Ordinal);
            Assert.Contains("backends[0].url (line 3:10): not an absolute http(s) URL", stderr, StringComparison.Ordinal);
            Assert.Contains("backends[0].tier (line 4:11)", stderr, StringComparison.Ordinal);
            Assert.Contains("routing.strategy (line 6:13)", stderr, StringComparison.Ordinal);
            Assert.Contains("routing.colour (line 7:3): unknown key", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task A_missing_config_file_is_file_not_found()
    {
        using var process = Process.Start(HearthProcess.Command("router", "--config", "/nonexistent/router.yaml"))!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(3, process.ExitCode); // ExitCodes.FileNotFound
        Assert.Contains("/nonexistent/router.yaml", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_router_process_serves_the_sdk_in_front_of_a_real_engine()
    {
        await using var engine = await HearthProcess.ServeAsync();
        var config = Path.Combine(Path.GetTempPath(), $"router-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(config, $$$"""
            backends:
              - {name: engine, url: "{{{engine.Address}}}", health: {period: 1s, timeout: 5s}}
            """);
        try
        {
            await using var router = await HearthProcess.RouterAsync(config);
            using var http = new HttpClient();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!(await http.GetStringAsync(new Uri(router.Address, "/v1/models"))).Contains("llama-2-tiny-random", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, "the engine's model never appeared through the router");
                await Task.Delay(200);
            }

            var sdk = new ChatClient("llama-2-tiny-random", new ApiKeyCredential("none"), new OpenAIClientOptions { Endpoint = new Uri(router.Address, "/v1") });
            ChatCompletion answer = await sdk.CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 3 });
            Assert.True(answer.Usage.OutputTokenCount > 0);
        }
        finally
        {
            File.Delete(config);
        }
    }
}
