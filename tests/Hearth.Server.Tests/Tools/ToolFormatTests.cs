using System.Text;
using System.Text.Json.Nodes;
using Hearth.Server.Tools;
using Hearth.Testing;

namespace Hearth.Server.Tests.Tools;

/// <summary>Each format's parser on what models write: content and calls split, markers never in content, invalid
/// calls back to plain content, and every prefix of a text parsed without throwing (streaming parses all of them).</summary>
public sealed class ToolFormatTests
{
    private static readonly ToolFunction[] Functions = [new("get_weather", null), new("get_time", null)];

    [Theory]
    [InlineData("NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use", "hermes")]
    [InlineData("Qwen-Qwen2.5-7B-Instruct", "hermes")]
    [InlineData("meta-llama-Llama-3.1-8B-Instruct", "llama3")]
    [InlineData("meta-llama-Llama-3.2-3B-Instruct", "llama3")]
    [InlineData("meta-llama-Llama-3.3-70B-Instruct", "llama3")]
    [InlineData("mistralai-Mistral-Nemo-Instruct-2407", "mistral")]
    [InlineData("meetkai-functionary-medium-v3.2", "functionary-v3.2")]
    [InlineData("fireworks-ai-llama-3-firefunction-v2", "firefunction")]
    [InlineData("CohereForAI-c4ai-command-r-plus-tool_use", "command-r")]
    [InlineData("google-gemma-2-2b-it", "generic")]
    [InlineData("microsoft-Phi-3.5-mini-instruct", "generic")]
    public void The_format_is_detected_from_the_template(string template, string format)
    {
        var source = File.ReadAllText(SharedData.Path("chat-templates", template + ".jinja"));
        Assert.Equal(format, ToolCallFormat.Detect(source, Functions).Name);
    }

    public static TheoryData<string, string, string, string[]> Outputs() => new()
    {
        // format, text, content, "name|arguments" per call
        { "hermes", "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>", "Let me check.", ["get_weather|{\"city\": \"Paris\"}", "get_time|{}"] },
        { "hermes", "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Oslo\\\"}\"}", "", ["get_weather|{\"city\": \"Oslo\"}"] },
        { "hermes", "Just text, a < sign and <b>tags</b>.", "Just text, a < sign and <b>tags</b>.", [] },
        { "llama3", "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}", "", ["get_weather|{\"city\": \"Paris\"}"] },
        { "llama3", "<|python_tag|>{\"type\": \"function\", \"name\": \"get_time\", \"parameters\": {\"zone\": \"UTC\"}}", "", ["get_time|{\"zone\": \"UTC\"}"] },
        { "llama3", "{\"answer\": 42}", "{\"answer\": 42}", [] },
        { "mistral", "Sure.[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"abcDEF123\"}, {\"name\": \"get_time\", \"arguments\": {}}]", "Sure.", ["get_weather|{\"city\": \"Paris\"}|abcDEF123", "get_time|{}"] },
        { "firefunction", " functools[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]", "", ["get_weather|{\"city\": \"Paris\"}"] },
        { "command-r", "Action:\n```json\n[\n    {\n        \"tool_name\": \"get_weather\",\n        \"parameters\": {\"city\": \"Paris\"}\n    }\n]\n```", "", ["get_weather|{\"city\": \"Paris\"}"] },
        { "command-r", "Action: ```json\n[{\"tool_name\": \"directly-answer\", \"parameters\": {}}]```", "Action: ```json\n[{\"tool_name\": \"directly-answer\", \"parameters\": {}}]```", [] },
        { "functionary-v3.2", "all\nChecking now.>>>get_weather\n{\"city\": \"Paris\"}>>>get_time\n{}", "Checking now.", ["get_weather|{\"city\": \"Paris\"}", "get_time|{}"] },
        { "functionary-v3.2", "Hello there", "Hello there", [] },
        { "generic", "{\"tool_calls\": [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]}", "", ["get_weather|{\"city\": \"Paris\"}"] },
        { "generic", "{\"tool_call\": {\"name\": \"get_time\", \"arguments\": {}}}", "", ["get_time|{}"] },
        { "generic", "{\"response\": \"It is sunny.\"}", "It is sunny.", [] },
        { "generic", "plain words", "plain words", [] },
    };

    [Theory]
    [MemberData(nameof(Outputs))]
    public void Output_is_split_into_content_and_calls(string format, string text, string content, string[] calls)
    {
        var parse = Format(format).Parse(text, partial: false);
        Assert.False(parse.Malformed);
        Assert.Equal(content, parse.Content.Trim());
        Assert.Equal(calls, parse.Calls.Select(c => c.Id is null ? $"{c.Name}|{c.Arguments}" : $"{c.Name}|{c.Arguments}|{c.Id}"));
    }

    [Theory]
    [MemberData(nameof(Outputs))]
    public void Every_prefix_parses_and_only_grows(string format, string text, string content, string[] calls)
    {
        _ = content;
        _ = calls;
        var parser = new ChatOutputParser(Format(format), splitReasoning: true, startsInReasoning: false, forcedPrefix: string.Empty);
        var stream = new ChatStream(parser);
        var streamed = new StringBuilder();
        var arguments = new Dictionary<int, StringBuilder>();
        var names = new Dictionary<int, string>();
        foreach (var c in text)
        {
            Collect(stream.Push(c.ToString()));
        }

        Collect(stream.Finish());
        var final = stream.Final!;
        Assert.Equal(final.Content, streamed.ToString());
        Assert.Equal(final.Calls.Select(c => c.Name), names.OrderBy(p => p.Key).Select(p => p.Value));
        Assert.Equal(final.Calls.Select(c => c.Arguments), arguments.OrderBy(p => p.Key).Select(p => p.Value.ToString()));

        void Collect(IReadOnlyList<ChatStreamDelta> deltas)
        {
            foreach (var d in deltas)
            {
                if (d.IsCall)
                {
                    if (d.Name is not null)
                    {
                        names.Add(d.Index, d.Name);
                        arguments[d.Index] = new StringBuilder();
                    }

                    arguments[d.Index].Append(d.Arguments);
                }
                else
                {
                    streamed.Append(d.Content);
                }
            }
        }
    }

    [Theory]
    [InlineData("hermes", "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": ", "<tool_call>")]
    [InlineData("hermes", "Hello <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}} and then prose", "<tool_call>")]
    [InlineData("mistral", "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": nonsense}]", "[TOOL_CALLS]")]
    [InlineData("functionary-v3.2", "get_weather\n{\"city\": ", ">>>")]
    [InlineData("command-r", "Action:\n```json\n[{\"tool_name\": \"get_weather\"", "Action:")]
    public void Malformed_calls_fall_back_to_the_whole_text_as_content(string format, string text, string marker)
    {
        _ = marker;
        var parse = Format(format).Parse(text, partial: false);
        Assert.True(parse.Malformed);
        Assert.Empty(parse.Calls);
        Assert.Equal(text, parse.Content);
    }

    [Theory]
    [InlineData("hermes", "Hi <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", "<tool_")]
    [InlineData("mistral", "Hi [TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {}}]", "[TOOL")]
    [InlineData("llama3", "{\"name\": \"get_weather\", \"parameters\": {}}", "{")]
    [InlineData("command-r", "Hi Action:\n```json\n[{\"tool_name\": \"get_weather\", \"parameters\": {}}]\n```", "Act")]
    public void No_marker_text_reaches_streamed_content(string format, string text, string fragment)
    {
        var stream = new ChatStream(new ChatOutputParser(Format(format), splitReasoning: false, startsInReasoning: false, forcedPrefix: string.Empty));
        var content = new StringBuilder();
        foreach (var c in text)
        {
            content.Append(string.Concat(stream.Push(c.ToString()).Select(d => d.Content)));
        }

        content.Append(string.Concat(stream.Finish().Select(d => d.Content)));
        Assert.DoesNotContain(fragment, content.ToString(), StringComparison.Ordinal);
        Assert.Equal("get_weather", Assert.Single(stream.Final!.Calls).Name);
    }

    [Fact]
    public void A_think_block_is_reasoning_and_can_start_in_the_prompt()
    {
        var parser = new ChatOutputParser(null, splitReasoning: true, startsInReasoning: false, forcedPrefix: string.Empty);
        var output = parser.Parse("<think>\nThe user greets me.\n</think>\n\nHello!", partial: false);
        Assert.Equal(("The user greets me.", "Hello!"), (output.Reasoning, output.Content));
        Assert.Equal(("still thinking", ""), Pair(parser.Parse("<think>still thinking</thi", partial: true)));

        var opened = new ChatOutputParser(null, splitReasoning: true, startsInReasoning: true, forcedPrefix: string.Empty);
        Assert.Equal(("Hmm.", "Hi"), Pair(opened.Parse("Hmm.</think>Hi", partial: false)));
        Assert.True(ChatOutputParser.EndsInsideThink("<｜Assistant｜><think>\n"));
        Assert.False(ChatOutputParser.EndsInsideThink("<think>x</think>"));

        var inline = new ChatOutputParser(null, splitReasoning: false, startsInReasoning: false, forcedPrefix: string.Empty);
        Assert.Equal(("", "<think>a</think>b"), Pair(inline.Parse("<think>a</think>b", partial: false)));

        static (string, string) Pair(ChatOutput o) => (o.Reasoning, o.Content);
    }

    [Fact]
    public void Ids_are_openai_shaped_and_nine_characters_for_mistral()
    {
        Assert.Matches("^call_[A-Za-z0-9]{24}$", new HermesFormat().NewCallId());
        Assert.Matches("^[A-Za-z0-9]{9}$", new MistralFormat().NewCallId());
    }

    private static ToolCallFormat Format(string name) => name switch
    {
        "hermes" => new HermesFormat(),
        "llama3" => new Llama3Format(),
        "mistral" => new MistralFormat(),
        "firefunction" => new FirefunctionFormat(),
        "command-r" => new CommandRFormat(),
        "functionary-v3.2" => new FunctionaryFormat(Functions),
        _ => new GenericFormat(describesTools: false),
    };
}
