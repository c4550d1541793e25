using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Hearth.Testing;

namespace Hearth.Cli.Tests;

/// <summary>Smoke test of the real CLI process: `hearth serve --port 0` starts, answers on loopback, and stops.</summary>
public sealed partial class ServeCommandTests
{
    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex ListeningLine();

    private static ProcessStartInfo Hearth(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "hearth.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["HEARTH_API_KEY"] = string.Empty;
        return start;
    }

    /// <summary>Reads serve's output up to its "listening on URL" line (failing with its stderr if it exits first).</summary>
    private static async Task<Uri> ListeningUrlAsync(Process process)
    {
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))
                ?? throw new InvalidOperationException("hearth serve exited: " + await process.StandardError.ReadToEndAsync());
            if (ListeningLine().Match(line) is { Success: true } match)
            {
                return new Uri(match.Groups[1].Value);
            }
        }
    }

    [Fact]
    public async Task A_chat_template_given_as_name_equals_file_applies_to_that_model()
    {
        var template = SharedData.Path("chat-templates", "deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja");
        using var process = Process.Start(Hearth("serve", "--model", SharedData.Model("llama-2-tiny-random.gguf"), "--port", "0",
            "--chat-template", "llama-2-tiny-random=" + template))!;
        try
        {
            using var http = new HttpClient { BaseAddress = await ListeningUrlAsync(process) };
            using var show = await http.PostAsync(new Uri("/api/show", UriKind.Relative),
                new StringContent("""{"model": "llama-2-tiny-random"}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, show.StatusCode);
            Assert.Equal(await File.ReadAllTextAsync(template), (string?)JsonNode.Parse(await show.Content.ReadAsStringAsync())!["template"]);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Model_defaults_given_as_name_equals_file_fill_what_a_request_leaves_out()
    {
        var file = Path.Combine(Path.GetTempPath(), $"hearth-defaults-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """{"max_tokens": 3, "temperature": 0}""");
        using var process = Process.Start(Hearth("serve", "--model", SharedData.Model("llama-2-tiny-random.gguf"), "--port", "0",
            "--model-defaults", "llama-2-tiny-random=" + file))!;
        try
        {
            using var http = new HttpClient { BaseAddress = await ListeningUrlAsync(process) };
            async Task<JsonNode> Chat(string extra)
            {
                using var response = await http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), new StringContent(
                    """{"messages": [{"role": "user", "content": "Hi"}]""" + extra + "}", System.Text.Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            }

            Assert.Equal(3, (int)(await Chat(""))["usage"]!["completion_tokens"]!);
            Assert.Equal(5, (int)(await Chat(""", "max_tokens": 5"""))["usage"]!["completion_tokens"]!); // the request wins
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Model_defaults_with_a_bad_key_stop_serve_with_invalid_input_naming_the_file()
    {
        var file = Path.Combine(Path.GetTempPath(), $"hearth-defaults-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """{"temprature": 0.5}""");
        try
        {
            using var process = Process.Start(Hearth("serve", "--model", SharedData.Model("llama-2-tiny-random.gguf"), "--port", "0",
                "--model-defaults", "llama-2-tiny-random=" + file))!;
            var stderr = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.Equal(ExitCodes.InvalidInput, process.ExitCode);
            Assert.Contains($"--model-defaults {file}: unknown key 'temprature'", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Api_key_env_names_the_variable_that_holds_the_key()
    {
        // How a packed image with `serve.api_key_env: MY_SECRET` passes its key (no shell to copy variables).
        var start = Hearth("serve", "--model", SharedData.Model("llama-2-tiny-random.gguf"), "--port", "0", "--api-key-env", "MY_SECRET");
        start.Environment["MY_SECRET"] = "s3cret";
        using var process = Process.Start(start)!;
        try
        {
            using var http = new HttpClient { BaseAddress = await ListeningUrlAsync(process) };
            using var refused = await http.GetAsync(new Uri("/v1/models", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/v1/models", UriKind.Relative));
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "s3cret");
            using var allowed = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Serve_starts_on_a_free_loopback_port_and_lists_its_model()
    {
        using var process = Process.Start(Hearth("serve", "--model", SharedData.Model("llama-2-tiny-random.gguf"), "--port", "0"))!;
        try
        {
            using var http = new HttpClient { BaseAddress = await ListeningUrlAsync(process) };
            using var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            var models = JsonNode.Parse(await http.GetStringAsync(new Uri("/v1/models", UriKind.Relative)))!;
            Assert.Equal("llama-2-tiny-random", (string?)models["data"]![0]!["id"]);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Serve_with_a_missing_model_file_fails_with_file_not_found()
    {
        using var process = Process.Start(Hearth("serve", "--model", "/nonexistent/model.gguf", "--port", "0"))!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(ExitCodes.FileNotFound, process.ExitCode);
        Assert.StartsWith("error:", stderr, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/model.gguf", stderr, StringComparison.Ordinal);
    }
}
