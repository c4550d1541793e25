using System.CommandLine;
using System.Globalization;
using System.Text;
using Hearth.Tokenizers;
using Spectre.Console;

namespace Hearth.Cli.Commands;

/// <summary>
/// `hearth tokenize MODEL [--prompt TEXT] [--ids] [--no-bos] [--parse-special]`: the token ids of a text (from
/// --prompt or stdin, read as UTF-8 bytes; invalid bytes become U+FFFD) under the model's own tokenizer.
/// </summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Path to a .gguf model (or vocabulary-only) file" };
        var prompt = new Option<string?>("--prompt", "-p") { Description = "Text to tokenize (default: read stdin)" };
        var ids = new Option<bool>("--ids") { Description = "Print only a JSON array of token ids" };
        var noBos = new Option<bool>("--no-bos") { Description = "Do not add the BOS/EOS tokens the vocabulary asks for" };
        var parseSpecial = new Option<bool>("--parse-special") { Description = "Turn special-token text such as <|im_start|> into its token" };
        var command = new Command("tokenize", "Show how a model's tokenizer splits a text: pieces and token ids");
        command.Arguments.Add(model);
        command.Options.Add(prompt);
        command.Options.Add(ids);
        command.Options.Add(noBos);
        command.Options.Add(parseSpecial);
        command.SetAction(parse =>
        {
            var tokenizer = Tokenizer.FromGgufFile(parse.GetValue(model)!);
            var text = parse.GetValue(prompt);
            var addSpecial = !parse.GetValue(noBos);
            var special = parse.GetValue(parseSpecial);
            var tokens = text is not null
                ? tokenizer.Encode(text, addSpecial, special)
                : tokenizer.Encode(ReadStdin(), addSpecial, special);
            if (parse.GetValue(ids))
            {
                Console.Out.WriteLine("[" + string.Join(", ", tokens.Select(t => t.ToString(CultureInfo.InvariantCulture))) + "]");
            }
            else
            {
                Render(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) }), tokenizer, tokens);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static byte[] ReadStdin()
    {
        using var stdin = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        stdin.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static void Render(IAnsiConsole console, Tokenizer tokenizer, int[] tokens)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn(new TableColumn("#").RightAligned());
        table.AddColumn(new TableColumn("id").RightAligned());
        table.AddColumn("piece");
        table.AddColumn("token");
        table.AddColumn("type");
        for (var i = 0; i < tokens.Length; i++)
        {
            var id = tokens[i];
            table.AddRow(
                new Text(i.ToString(CultureInfo.InvariantCulture)),
                new Text(id.ToString(CultureInfo.InvariantCulture)),
                new Text(Visible(tokenizer.TokenBytes(id))),
                new Text(tokenizer.TokenText(id)),
                new Text(tokenizer.GetTokenType(id).ToString()));
        }

        console.Write(table);
        console.WriteLine($"{tokens.Length} tokens ({tokenizer.Model} tokenizer, vocabulary of {tokenizer.VocabSize})");
    }

    /// <summary>The piece's bytes as text, with whitespace and control bytes escaped and partial UTF-8 shown as \xNN.</summary>
    internal static string Visible(byte[] bytes)
    {
        var sb = new StringBuilder("'");
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            foreach (var b in bytes)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\x{b:X2}");
            }

            return sb.Append('\'').ToString();
        }

        foreach (var c in Encoding.UTF8.GetString(bytes))
        {
            sb.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\\' => "\\\\",
                _ when char.IsControl(c) => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }

        return sb.Append('\'').ToString();
    }
}
