using System.Globalization;
using System.Text.Json.Nodes;
using Hearth.Testing;

namespace Hearth.Templates.Tests;

/// <summary>
/// Every (template, case) of ../shared/chat-templates rendered and compared exactly with the text the
/// reference implementation produced.
/// </summary>
public sealed class SharedTemplateCasesTests
{
    // llama.cpp's firefunction-v2 handler passes these two variables to that template (the reference
    // rendering shows "Today is Jan 29 2025 13:00:00 GMT." and an empty function list), so we pass them too.
    private static readonly Dictionary<string, Dictionary<string, string>> ExtraVariables = new()
    {
        ["fireworks-ai-llama-3-firefunction-v2"] = new() { ["datetime"] = "Jan 29 2025 13:00:00 GMT", ["functions"] = "" },
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Directory.GetFiles(SharedData.Path("chat-templates"), "*.expected.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file)[..^".expected.json".Length];
            foreach (var c in JsonNode.Parse(File.ReadAllText(file))!["cases"]!.AsArray())
            {
                data.Add(name, (string)c!["name"]!);
            }
        }

        return data;
    }

    [Fact]
    public void Shared_folder_has_cases_for_every_template()
    {
        var templates = Directory.GetFiles(SharedData.Path("chat-templates"), "*.jinja");
        Assert.NotEmpty(templates);
        Assert.All(templates, t => Assert.True(File.Exists(t[..^".jinja".Length] + ".expected.json"), t));
        Assert.True(Cases().Count >= templates.Length);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Renders_exactly_like_the_reference(string template, string caseName)
    {
        var source = File.ReadAllText(SharedData.Path("chat-templates", template + ".jinja"));
        var expected = JsonNode.Parse(File.ReadAllText(SharedData.Path("chat-templates", template + ".expected.json")))!;
        var c = expected["cases"]!.AsArray().Single(x => (string)x!["name"]! == caseName)!;
        var date = DateTimeOffset.ParseExact((string)c["strftime_now_date"]!, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var input = new ChatTemplateInput
        {
            Messages = c["messages"]!.DeepClone().AsArray(),
            AddGenerationPrompt = (bool)c["add_generation_prompt"]!,
            BosToken = (string)c["bos_token"]!,
            EosToken = (string)c["eos_token"]!,
            Clock = new FixedClock(date),
        };
        if (ExtraVariables.TryGetValue(template, out var extras))
        {
            foreach (var (key, value) in extras)
            {
                input.ExtraVariables[key] = JsonValue.Create(value);
            }
        }

        var rendered = ChatTemplate.Parse(source).Render(input);

        Assert.Equal((string)c["expected"]!, rendered);
    }
}
