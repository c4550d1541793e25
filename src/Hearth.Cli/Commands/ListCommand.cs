using System.CommandLine;
using Spectre.Console;

namespace Hearth.Cli.Commands;

/// <summary><c>hearth list</c>: the models in the store as a table.</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var command = new Command("list", "List the models in the store ($HEARTH_HOME, default ~/.hearth).");
        command.Aliases.Add("ls");
        command.SetAction(_ =>
        {
            var entries = StoreConsole.OpenStore().List();
            if (entries.Count == 0)
            {
                Console.WriteLine("no models yet: add one with 'hearth pull <url | hf.co/owner/repo>' or 'hearth create <name> --from <file.gguf>'");
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple);
            table.AddColumns("NAME", "SIZE", "TYPE", "ARCHITECTURE", "ADDED");
            foreach (var e in entries)
            {
                table.AddRow(
                    new Text(e.FullName),
                    new Text(StoreConsole.FormatSize(e.Size)),
                    new Text(e.DisplayType ?? "-"),
                    new Text(e.Architecture ?? "-"),
                    new Text(StoreConsole.FormatTime(e.Added)));
            }

            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }
}
