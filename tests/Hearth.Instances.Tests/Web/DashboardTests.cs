using Hearth.Instances.Model;
using Hearth.Instances.Tests.Support;
using Microsoft.Playwright;

namespace Hearth.Instances.Tests.Web;

/// <summary>The dashboard in headless Chromium (the system browser, as the /chat test) against a real supervisor.</summary>
public sealed class DashboardTests
{
    private static readonly string[] ChromiumArgs =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    [Fact]
    public async Task Create_start_watch_logs_open_through_the_proxy_and_stop()
    {
        await using var host = await TestHost.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(30000);
        await page.GotoAsync(host.Address.ToString());

        // A bad definition shows the API's message and creates nothing.
        await page.FillAsync("#f-name", "web");
        await page.FillAsync("#f-command", "x");
        await page.FillAsync("#f-health", "ping");
        await page.ClickAsync("#f-submit");
        await page.WaitForFunctionAsync("document.querySelector('#form-error').textContent.includes('unknown health check')");
        Assert.Empty(host.Supervisor.List());

        // Create.
        await page.FillAsync("#f-command", Scripts.WebApp("APP_NAME=web LINES=300"));
        await page.FillAsync("#f-health", "http:/health");
        await page.ClickAsync("#f-submit");
        await page.WaitForSelectorAsync("tr[data-name=web][data-state=stopped]");

        // Start, and watch it become ready.
        await page.ClickAsync("tr[data-name=web] button[data-act=start]");
        await page.WaitForSelectorAsync("tr[data-name=web][data-state=ready]");

        // Logs stream in, including the app's own lines.
        await page.ClickAsync("tr[data-name=web] button[data-act=logs]");
        await page.WaitForFunctionAsync("document.querySelector('#log').textContent.includes('listening on')");
        Assert.Contains("line 299", await page.TextContentAsync("#log"), StringComparison.Ordinal);
        Assert.Equal(host.Supervisor.Get("web").Port.ToString(), await page.TextContentAsync("tr[data-name=web] .port"));

        // Open it through the proxy (the link the dashboard shows).
        var href = await page.GetAttributeAsync("tr[data-name=web] a.open", "href");
        Assert.Equal("/i/web/", href);
        var app = await browser.NewPageAsync();
        await app.GotoAsync(new Uri(host.Address, href).ToString());
        Assert.Equal("hello from web / prefix=/i/web", await app.TextContentAsync("body"));

        // Stop.
        await page.ClickAsync("tr[data-name=web] button[data-act=stop]");
        await page.WaitForSelectorAsync("tr[data-name=web][data-state=stopped]");
        Assert.Equal(InstanceState.Stopped, host.Supervisor.Get("web").State);
        await page.WaitForFunctionAsync("document.querySelector('#log').textContent.includes('[hearth] stopped')");

        // System stats are drawn.
        await page.WaitForFunctionAsync("document.querySelector('#cpu').textContent.endsWith('%')");
    }

    [Fact]
    public async Task A_browser_opening_a_stopped_instance_sees_the_starting_page_then_the_app()
    {
        await using var host = await TestHost.StartAsync();
        await host.Supervisor.CreateAsync(new InstanceSpec { Name = "lazy", Command = "sleep 1.5; " + Scripts.WebApp("APP_NAME=lazy"), Health = "http:/health" });
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(host.Address, "/i/lazy/").ToString());
        Assert.Contains("Starting lazy", await page.TextContentAsync("h1"), StringComparison.Ordinal);
        await page.WaitForFunctionAsync("document.body.textContent.startsWith('hello from lazy')", null, new PageWaitForFunctionOptions { Timeout = 30000 });
    }
}
