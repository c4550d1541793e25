using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Gguf;
using Hearth.Gguf.Summary;
using Spectre.Console;

namespace Hearth.Cli.Commands;

/// <summary>`hearth info FILE [--tensors] [--json]`: what a GGUF model file contains.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Path to a .gguf model file" };
        var tensors = new Option<bool>("--tensors") { Description = "List every tensor (name, type, shape, offset)" };
        var json = new Option<bool>("--json") { Description = "Print the same information as JSON" };
        var command = new Command("info", "Show what a GGUF model file holds: architecture, size, weight types, tokenizer");
        command.Arguments.Add(file);
        command.Options.Add(tensors);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            using var gguf = GgufFile.Open(parse.GetValue(file)!);
            var summary = GgufModelSummary.From(gguf);
            var withTensors = parse.GetValue(tensors);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(ToJson(summary, withTensors ? gguf : null).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                Render(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) }), summary, withTensors ? gguf : null);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    internal static JsonObject ToJson(GgufModelSummary s, GgufFile? tensors)
    {
        var mix = new JsonArray();
        foreach (var t in s.TypeMix)
        {
            mix.Add(new JsonObject
            {
                ["type"] = GgmlTypeInfo.Name(t.Type),
                ["tensors"] = t.TensorCount,
                ["bytes"] = t.Bytes,
                ["parameters"] = t.Elements,
            });
        }

        var special = new JsonObject();
        foreach (var (role, id) in s.SpecialTokens)
        {
            special[role] = id;
        }

        var o = new JsonObject
        {
            ["path"] = s.Path,
            ["file_size"] = s.FileSize,
            ["gguf_version"] = s.Version,
            ["alignment"] = s.Alignment,
            ["architecture"] = s.Architecture,
            ["name"] = s.Name,
            ["file_type"] = s.FileType,
            ["parameters"] = s.ParameterCount,
            ["tensor_count"] = s.TensorCount,
            ["tensor_bytes"] = s.TensorBytes,
            ["type_mix"] = mix,
            ["context_length"] = s.ContextLength,
            ["embedding_length"] = s.EmbeddingLength,
            ["block_count"] = s.BlockCount,
            ["head_count"] = s.HeadCount,
            ["head_count_kv"] = s.KvHeadCount,
            ["tokenizer_model"] = s.TokenizerModel,
            ["tokenizer_pre"] = s.TokenizerPre,
            ["vocab_size"] = s.VocabSize,
            ["special_tokens"] = special,
            ["chat_template"] = s.HasChatTemplate,
        };
        if (tensors is not null)
        {
            var list = new JsonArray();
            foreach (var t in tensors.Tensors)
            {
                list.Add(new JsonObject
                {
                    ["name"] = t.Name,
                    ["type"] = GgmlTypeInfo.Name(t.Type),
                    ["shape"] = new JsonArray(t.Dimensions.Select(d => (JsonNode)d).ToArray()),
                    ["offset"] = t.Offset,
                    ["bytes"] = t.ByteSize,
                });
            }

            o["tensors"] = list;
        }

        return o;
    }

    private static void Render(IAnsiConsole console, GgufModelSummary s, GgufFile? tensors)
    {
        var overview = new Table().Border(TableBorder.Rounded).AddColumn("property").AddColumn("value");
        void Row(string name, object? value) => overview.AddRow(Markup.Escape(name), Markup.Escape(value?.ToString() ?? "-"));

        Row("file", s.Path);
        Row("file size", $"{FormatBytes(s.FileSize)} ({s.FileSize.ToString("N0", CultureInfo.InvariantCulture)} bytes)");
        Row("gguf version", s.Version);
        Row("architecture", s.Architecture);
        if (s.Name is not null)
        {
            Row("name", s.Name);
        }

        Row("file type", s.FileType);
        Row("parameters", $"{FormatCount(s.ParameterCount)} ({s.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)})");
        Row("tensors", s.TensorCount);
        Row("context length", s.ContextLength);
        Row("embedding size", s.EmbeddingLength);
        Row("layers", s.BlockCount);
        Row("heads", s.HeadCount);
        Row("kv heads", s.KvHeadCount);
        Row("tokenizer", s.TokenizerPre is null ? s.TokenizerModel : $"{s.TokenizerModel} (pre: {s.TokenizerPre})");
        Row("vocabulary", s.VocabSize is { } v ? $"{v} tokens" : null);
        Row("special tokens", s.SpecialTokens.Count == 0 ? null : string.Join(", ", s.SpecialTokens.Select(p => $"{p.Key}={p.Value}")));
        Row("chat template", s.HasChatTemplate ? "yes" : "no");
        console.Write(overview);

        if (s.TypeMix.Count > 0)
        {
            var mix = new Table().Border(TableBorder.Rounded).AddColumn("type").AddColumn(new TableColumn("tensors").RightAligned())
                .AddColumn(new TableColumn("bytes").RightAligned()).AddColumn(new TableColumn("share").RightAligned());
            foreach (var t in s.TypeMix)
            {
                var share = s.TensorBytes == 0 ? 0 : 100.0 * t.Bytes / s.TensorBytes;
                mix.AddRow(GgmlTypeInfo.Name(t.Type), t.TensorCount.ToString(CultureInfo.InvariantCulture), FormatBytes(t.Bytes),
                    share.ToString("F1", CultureInfo.InvariantCulture) + "%");
            }

            console.Write(mix);
        }

        if (tensors is not null)
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumn("name").AddColumn("type").AddColumn("shape")
                .AddColumn(new TableColumn("offset").RightAligned()).AddColumn(new TableColumn("bytes").RightAligned());
            foreach (var t in tensors.Tensors)
            {
                table.AddRow(Markup.Escape(t.Name), GgmlTypeInfo.Name(t.Type), Markup.Escape(t.Shape),
                    t.Offset.ToString(CultureInfo.InvariantCulture), t.ByteSize.ToString(CultureInfo.InvariantCulture));
            }

            console.Write(table);
        }
    }

    internal static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("F2", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("F2", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("F1", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };

    internal static string FormatCount(long n) => n switch
    {
        >= 1_000_000_000 => (n / 1e9).ToString("F2", CultureInfo.InvariantCulture) + "B",
        >= 1_000_000 => (n / 1e6).ToString("F2", CultureInfo.InvariantCulture) + "M",
        >= 1_000 => (n / 1e3).ToString("F1", CultureInfo.InvariantCulture) + "K",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };
}
