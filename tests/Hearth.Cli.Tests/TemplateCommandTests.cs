using System.Diagnostics;
using Hearth.Testing;

namespace Hearth.Cli.Tests;

public sealed class TemplateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hearth-template-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static (int ExitCode, string Stdout, string Stderr) Hearth(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hearth.dll"));
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Renders_a_shared_template_file_exactly_like_the_reference()
    {
        var messages = Write("m.json", """[{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hello! Who are you?"}]""");

        var (code, stdout, stderr) = Hearth("template", "--file", SharedData.Path("chat-templates", "meta-llama-Llama-3.1-8B-Instruct.jinja"),
            "--messages", messages, "--date", "2026-11-22", "--bos", "<s>");

        Assert.True(code == 0, stderr);
        Assert.Equal(
            "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n" +
            "You are a helpful assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello! Who are you?<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
            stdout);
    }

    [Fact]
    public void Date_option_feeds_strftime_now_and_generation_prompt_can_be_dropped()
    {
        var template = Write("t.jinja", "{{ strftime_now('%d %B %Y') }}|{% for m in messages %}{{ m.content }}{% endfor %}{% if add_generation_prompt %}>{% endif %}");
        var messages = Write("m.json", """{"messages": [{"role": "user", "content": "hi"}]}""");

        var (code, stdout, _) = Hearth("template", "--file", template, "--messages", messages, "--date", "2025-02-03", "--no-generation-prompt");

        Assert.Equal(0, code);
        Assert.Equal("03 February 2025|hi", stdout);
    }

    [Fact]
    public void Tools_from_the_messages_object_reach_the_template()
    {
        var template = Write("t.jinja", "{{ tools|map(attribute='function.name')|join(',') }}");
        var messages = Write("m.json", """{"messages": [], "tools": [{"type": "function", "function": {"name": "lookup"}}]}""");

        var (code, stdout, _) = Hearth("template", "--file", template, "--messages", messages);

        Assert.Equal(0, code);
        Assert.Equal("lookup", stdout);
    }

    [Fact]
    public void Model_template_and_bos_eos_come_from_the_gguf()
    {
        var messages = Write("m.json", """[{"role": "user", "content": "Hi"}]""");

        var (code, stdout, stderr) = Hearth("template", SharedData.Path("tokenizer", "ggml-vocab-phi-3.gguf"), "--messages", messages);

        Assert.True(code == 0, stderr);
        Assert.Contains("<|user|>", stdout, StringComparison.Ordinal);
        Assert.Contains("Hi", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("note:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Model_without_template_uses_chatml_and_says_so()
    {
        var messages = Write("m.json", """[{"role": "user", "content": "Hi"}]""");

        var (code, stdout, stderr) = Hearth("template", SharedData.Model("llama-2-tiny-random.gguf"), "--messages", messages);

        Assert.Equal(0, code);
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", stdout);
        Assert.Contains("default ChatML", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_raise_exception_is_an_input_error()
    {
        var messages = Write("m.json", """[{"role": "assistant", "content": "first"}]""");

        var (code, _, stderr) = Hearth("template", "--file", SharedData.Path("chat-templates", "google-gemma-2-2b-it.jinja"), "--messages", messages);

        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("Conversation roles must alternate", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Syntax_errors_report_line_and_column()
    {
        var template = Write("bad.jinja", "ok\n{% for x in y %}");
        var messages = Write("m.json", "[]");

        var (code, _, stderr) = Hearth("template", "--file", template, "--messages", messages);

        Assert.Equal(ExitCodes.InvalidFormat, code);
        Assert.Contains("line 2, column 17", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_messages_json_and_missing_files_fail_cleanly()
    {
        var template = Write("t.jinja", "x");
        var bad = Write("bad.json", "{ not json");

        var (badCode, _, badErr) = Hearth("template", "--file", template, "--messages", bad);
        var (missingCode, _, _) = Hearth("template", "--file", Path.Combine(_dir, "none.jinja"), "--messages", bad);
        var (usageCode, _, _) = Hearth("template", "--messages", bad);

        Assert.Equal(ExitCodes.InvalidInput, badCode);
        Assert.Contains("invalid JSON", badErr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.FileNotFound, missingCode);
        Assert.Equal(ExitCodes.Usage, usageCode);
    }
}
