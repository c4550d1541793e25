using System.CommandLine;
using System.Globalization;
using Hearth.Gguf;
using Hearth.Store;
using Spectre.Console;

namespace Hearth.Cli.Commands;

/// <summary><c>hearth show model</c>: registry details plus a summary of the GGUF file.</summary>
internal static class ShowCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Model name (name or name:tag) or path of a GGUF file." };
        var metadata = new Option<bool>("--metadata") { Description = "Also print every metadata key (arrays summarised)." };
        var command = new Command("show", "Show details of a model.");
        command.Arguments.Add(model);
        command.Options.Add(metadata);
        command.SetAction(parseResult =>
        {
            var entry = StoreConsole.OpenStore().Resolve(parseResult.GetValue(model)!);
            using var file = GgufFile.Open(entry.Path);
            var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
            void Row(string key, string? value) => grid.AddRow(new Text(key), new Text(value ?? "-"));

            Row("name", entry.FullName);
            Row("path", entry.Path);
            Row("sha256", entry.Sha256);
            Row("size", $"{StoreConsole.FormatSize(entry.Size)} ({entry.Size.ToString(CultureInfo.InvariantCulture)} bytes)");
            Row("source", entry.Source);
            Row("added", entry.IsRegistered ? StoreConsole.FormatTime(entry.Added) : "(not in the store)");

            var meta = file.Metadata;
            var arch = meta.GetStringOrDefault("general.architecture");
            Row("architecture", arch);
            Row("model name", meta.GetStringOrDefault("general.name"));
            Row("gguf", $"v{file.Version}, {file.Tensors.Count} tensors, {meta.Count} metadata keys");
            Row("parameters", file.Tensors.Sum(t => t.ElementCount).ToString("N0", CultureInfo.InvariantCulture));
            if (arch is not null)
            {
                Row("context length", Integer(meta, arch + ".context_length"));
                Row("embedding length", Integer(meta, arch + ".embedding_length"));
                Row("layers", Integer(meta, arch + ".block_count"));
                Row("heads (kv)", $"{Integer(meta, arch + ".attention.head_count") ?? "-"} ({Integer(meta, arch + ".attention.head_count_kv") ?? "-"})");
            }

            var vocab = meta.TryGetArray("tokenizer.ggml.tokens")?.Count;
            Row("tokenizer", $"{meta.GetStringOrDefault("tokenizer.ggml.model") ?? "-"}, {(vocab is null ? "-" : vocab.Value.ToString(CultureInfo.InvariantCulture))} tokens");
            Row("chat template", meta.Contains("tokenizer.chat_template") ? "yes" : "no (Hearth uses its default)");
            AnsiConsole.Write(grid);

            var types = new Table().Border(TableBorder.Simple).AddColumns("TYPE", "TENSORS", "SIZE", "SHARE");
            var mix = file.Tensors.GroupBy(t => t.Type).Select(g => (Type: g.Key, Count: g.Count(), Bytes: g.Sum(t => t.ByteSize))).OrderByDescending(g => g.Bytes).ToList();
            var total = Math.Max(1, mix.Sum(g => g.Bytes));
            foreach (var (type, count, bytes) in mix)
            {
                types.AddRow(
                    new Text(type.ToString()),
                    new Text(count.ToString(CultureInfo.InvariantCulture)),
                    new Text(StoreConsole.FormatSize(bytes)),
                    new Text((100.0 * bytes / total).ToString("0.0", CultureInfo.InvariantCulture) + "%"));
            }

            AnsiConsole.Write(types);
            if (parseResult.GetValue(metadata))
            {
                var keys = new Table().Border(TableBorder.Simple).AddColumns("KEY", "VALUE");
                foreach (var (key, value) in meta)
                {
                    var text = value.ToString();
                    keys.AddRow(new Text(key), new Text(text.Length > 120 ? text[..117] + "..." : text));
                }

                AnsiConsole.Write(keys);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static string? Integer(GgufMetadata meta, string key) =>
        meta.TryGetInteger(key)?.ToString(CultureInfo.InvariantCulture);
}
