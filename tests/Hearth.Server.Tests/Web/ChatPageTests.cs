using Hearth.Server.Tests.Support;
using Hearth.Testing;
using Microsoft.Playwright;

namespace Hearth.Server.Tests.Web;

/// <summary>The /chat page in headless Chromium (the system browser, no Playwright download) against a real server.</summary>
public sealed class ChatPageTests
{
    private static readonly string[] ChromiumArgs =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    [Fact]
    public async Task Chat_streams_an_answer_stops_it_and_renders_markdown_safely()
    {
        await using var server = await TestServer.StartAsync(o => o.Models.Add(SharedData.Model("llama-2-tiny-random.gguf")), ServerModels.Loader());
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ChromiumArgs,
        });
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.Address, "/chat").ToString());
        await page.WaitForFunctionAsync("document.querySelectorAll('#model option').length > 0");
        await page.SelectOptionAsync("#model", "llama-2-tiny-random");
        await page.FillAsync("#max-tokens", "4000");
        await page.FillAsync("#input", "Say **bold** and `code`");
        await page.ClickAsync("#send");

        // The user's message is rendered as Markdown.
        await page.WaitForSelectorAsync(".message.user strong");
        Assert.Equal("bold", await page.InnerTextAsync(".message.user strong"));
        Assert.Equal("code", await page.InnerTextAsync(".message.user code"));

        // Streamed assistant text appears while the answer is still streaming; Stop ends it.
        await page.WaitForFunctionAsync("document.querySelector('.message.assistant .content').textContent.length > 0");
        Assert.Equal("streaming", await page.GetAttributeAsync(".message.assistant", "data-state"));
        await page.ClickAsync("#stop");
        await page.WaitForFunctionAsync("document.querySelector('.message.assistant').dataset.state !== 'streaming'");
        Assert.Equal("stopped", await page.GetAttributeAsync(".message.assistant", "data-state"));
        Assert.True(await page.IsEnabledAsync("#send"));
        Assert.Equal(2, await page.EvaluateAsync<int>("window.HearthChat.conversation.length"));

        // The renderer escapes HTML first: no script, no javascript: links.
        var html = await page.EvaluateAsync<string>("window.HearthMarkdown.render('<script>x</script> [a](javascript:alert(1)) [b](https://example.test)')");
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"javascript", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://example.test\"", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
    }
}
