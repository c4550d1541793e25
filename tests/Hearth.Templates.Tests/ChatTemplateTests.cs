using System.Text.Json.Nodes;

namespace Hearth.Templates.Tests;

public sealed class ChatTemplateTests
{
    private static JsonArray Messages(string json) => JsonNode.Parse(json)!.AsArray();

    [Fact]
    public void Default_template_is_chatml_with_generation_prompt()
    {
        var text = ChatTemplate.Default.Render(new ChatTemplateInput
        {
            Messages = Messages("""[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]"""),
        });

        Assert.Equal("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", text);
    }

    [Fact]
    public void Default_template_without_generation_prompt_renders_text_parts_and_null_content()
    {
        var text = ChatTemplate.Default.Render(new ChatTemplateInput
        {
            Messages = Messages("""
                [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {}}, {"type": "text", "text": "b"}]},
                 {"role": "assistant", "content": null}]
                """),
            AddGenerationPrompt = false,
        });

        Assert.Equal("<|im_start|>user\nab<|im_end|>\n<|im_start|>assistant\n<|im_end|>\n", text);
    }

    [Fact]
    public void Leading_bos_is_stripped_unless_asked_to_keep_it()
    {
        var template = ChatTemplate.Parse("{{ bos_token }}{{ messages[0].content }}{{ eos_token }}");
        var input = new ChatTemplateInput { Messages = Messages("""[{"role": "user", "content": "x"}]"""), BosToken = "<s>", EosToken = "</s>" };

        Assert.Equal("x</s>", template.Render(input));
        input.StripLeadingBos = false;
        Assert.Equal("<s>x</s>", template.Render(input));
    }

    [Fact]
    public void System_messages_merge_into_the_next_user_turn_when_the_template_rejects_them()
    {
        var template = ChatTemplate.Parse(
            "{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}" +
            "{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}");

        var text = template.Render(new ChatTemplateInput
        {
            Messages = Messages("""
                [{"role": "system", "content": "S1"}, {"role": "system", "content": "S2"}, {"role": "user", "content": "U"},
                 {"role": "assistant", "content": "A"}, {"role": "system", "content": "late"}]
                """),
        });

        Assert.Equal("[user:S1\nS2\nU][assistant:A][user:late]", text);
    }

    [Fact]
    public void Templates_that_render_system_messages_get_them_unchanged()
    {
        var template = ChatTemplate.Parse("{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}");

        var text = template.Render(new ChatTemplateInput { Messages = Messages("""[{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]""") });

        Assert.Equal("[system:S][user:U]", text);
    }

    [Fact]
    public void Tools_are_undefined_when_absent_and_available_when_given()
    {
        var template = ChatTemplate.Parse("{% if tools is defined %}{{ tools|map(attribute='function.name')|join(',') }}{% else %}none{% endif %}");
        var input = new ChatTemplateInput { Messages = Messages("[]") };

        Assert.Equal("none", template.Render(input));
        input.Tools = JsonNode.Parse("""[{"type": "function", "function": {"name": "get_weather"}}, {"type": "function", "function": {"name": "add"}}]""")!.AsArray();
        Assert.Equal("get_weather,add", template.Render(input));
    }

    [Fact]
    public void Tool_calls_render_with_hf_tojson_conventions()
    {
        var template = ChatTemplate.Parse("{% for m in messages %}{% for c in m.tool_calls %}{{ c.function.arguments|tojson }}|{{ c.function|tojson(indent=2) }}{% endfor %}{% endfor %}");

        var text = template.Render(new ChatTemplateInput
        {
            Messages = Messages("""[{"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": {"city": "Zürich", "days": [1, 2]}}}]}]"""),
        });

        Assert.Equal("{\"city\": \"Zürich\", \"days\": [1, 2]}|{\n  \"name\": \"f\",\n  \"arguments\": {\n    \"city\": \"Zürich\",\n    \"days\": [\n      1,\n      2\n    ]\n  }\n}", text);
    }

    [Fact]
    public void Extra_variables_override_and_add_globals()
    {
        var template = ChatTemplate.Parse("{{ date_string | default('none') }}/{{ enable_thinking }}/{{ add_generation_prompt }}");
        var input = new ChatTemplateInput { Messages = Messages("[]") };
        input.ExtraVariables["date_string"] = "1 Jan 2025";
        input.ExtraVariables["enable_thinking"] = false;
        input.ExtraVariables["add_generation_prompt"] = "overridden";

        Assert.Equal("1 Jan 2025/False/overridden", template.Render(input));
    }

    [Fact]
    public void Strftime_now_reads_the_input_clock()
    {
        var template = ChatTemplate.Parse("{{ strftime_now('%d %b %Y') }}");

        var text = template.Render(new ChatTemplateInput { Messages = Messages("[]"), Clock = new FixedClock(new DateTimeOffset(2025, 3, 9, 23, 0, 0, TimeSpan.Zero)) });

        Assert.Equal("09 Mar 2025", text);
    }

    [Fact]
    public void Rendering_is_repeatable_and_does_not_mutate_the_input()
    {
        var template = ChatTemplate.Parse("{% for m in messages %}{% do m.update({'content': 'changed'}) %}{{ m.content }}{% endfor %}");
        var input = new ChatTemplateInput { Messages = Messages("""[{"role": "user", "content": "orig"}]""") };

        Assert.Equal("changed", template.Render(input));
        Assert.Equal("changed", template.Render(input));
        Assert.Equal("orig", (string)input.Messages[0]!["content"]!);
    }

    [Fact]
    public void Source_is_kept()
    {
        Assert.Equal(ChatTemplate.ChatMlSource, ChatTemplate.Default.Source);
    }
}
