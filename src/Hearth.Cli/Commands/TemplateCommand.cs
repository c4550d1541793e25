using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Gguf;
using Hearth.Templates;

namespace Hearth.Cli.Commands;

/// <summary>
/// <c>hearth template &lt;model.gguf | --file T.jinja&gt; --messages M.json [--no-generation-prompt] [--date YYYY-MM-DD]</c>:
/// prints the prompt a chat template renders for the given messages, exactly as the engine would tokenize it.
/// </summary>
internal static class TemplateCommand
{
    public static Command Create()
    {
        var model = new Argument<string?>("model") { Description = "GGUF model whose tokenizer.chat_template to use (ChatML when it has none).", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--file") { Description = "Use this Jinja template file instead of a model." };
        var messages = new Option<string>("--messages") { Description = "JSON file: an array of messages, or an object with \"messages\" and optional \"tools\".", Required = true };
        var noGenerationPrompt = new Option<bool>("--no-generation-prompt") { Description = "Do not append the assistant turn header." };
        var date = new Option<string?>("--date") { Description = "Date strftime_now() returns (YYYY-MM-DD); default: today." };
        var bos = new Option<string?>("--bos") { Description = "BOS token text (default: from the model; empty with --file)." };
        var eos = new Option<string?>("--eos") { Description = "EOS token text (default: from the model; empty with --file)." };

        var command = new Command("template", "Render a chat template for a list of messages and print the prompt.");
        command.Arguments.Add(model);
        command.Options.Add(file);
        command.Options.Add(messages);
        command.Options.Add(noGenerationPrompt);
        command.Options.Add(date);
        command.Options.Add(bos);
        command.Options.Add(eos);
        command.SetAction(parseResult =>
        {
            var modelPath = parseResult.GetValue(model);
            var templatePath = parseResult.GetValue(file);
            if ((modelPath is null) == (templatePath is null))
            {
                Console.Error.WriteLine("error: give either a model file or --file T.jinja");
                return ExitCodes.Usage;
            }

            var source = templatePath is not null ? LoadFile(templatePath) : LoadModel(modelPath!);
            var template = source.Template is null ? ChatTemplate.Default : ChatTemplate.Parse(source.Template);
            if (source.Template is null)
            {
                Console.Error.WriteLine("note: the model has no tokenizer.chat_template; using the default ChatML template");
            }

            var input = ReadMessages(parseResult.GetValue(messages)!);
            input.AddGenerationPrompt = !parseResult.GetValue(noGenerationPrompt);
            input.BosToken = parseResult.GetValue(bos) ?? source.Bos;
            input.EosToken = parseResult.GetValue(eos) ?? source.Eos;
            if (parseResult.GetValue(date) is { } day)
            {
                input.Clock = new FixedDateClock(ParseDate(day));
            }

            Console.Out.Write(template.Render(input));
            Console.Out.Flush();
            return ExitCodes.Ok;
        });
        return command;
    }

    private sealed record TemplateSource(string? Template, string Bos, string Eos);

    private static TemplateSource LoadFile(string path) => new(File.ReadAllText(path), "", "");

    /// <summary>The template plus BOS/EOS token texts (tokenizer.ggml.tokens[bos_token_id / eos_token_id]).</summary>
    private static TemplateSource LoadModel(string path)
    {
        using var gguf = GgufFile.Open(path);
        var metadata = gguf.Metadata;
        var template = metadata.GetStringOrDefault("tokenizer.chat_template");
        var tokens = metadata.TryGetArray("tokenizer.ggml.tokens");
        string TokenText(string idKey)
        {
            var id = metadata.TryGetInteger(idKey);
            return id is { } i && tokens is not null && i >= 0 && i < tokens.Count && tokens[(int)i] is string text ? text : "";
        }

        return new TemplateSource(template, TokenText("tokenizer.ggml.bos_token_id"), TokenText("tokenizer.ggml.eos_token_id"));
    }

    private static ChatTemplateInput ReadMessages(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"{path}: invalid JSON: {ex.Message}", ex);
        }

        switch (root)
        {
            case JsonArray array:
                return new ChatTemplateInput { Messages = array };
            case JsonObject obj when obj["messages"] is JsonArray list:
                var tools = obj["tools"];
                if (tools is not null and not JsonArray)
                {
                    throw new ArgumentException($"{path}: \"tools\" must be an array");
                }

                obj.Remove("messages");
                obj.Remove("tools");
                return new ChatTemplateInput { Messages = list, Tools = tools as JsonArray };
            default:
                throw new ArgumentException($"{path}: expected a JSON array of messages or an object with a \"messages\" array");
        }
    }

    private static DateTimeOffset ParseDate(string day) =>
        DateTimeOffset.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date
            : throw new ArgumentException($"--date: expected YYYY-MM-DD, got '{day}'");

    /// <summary>strftime_now() sees this date at midnight, in UTC.</summary>
    private sealed class FixedDateClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;

        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }
}
