using System.CommandLine;

namespace Hearth.Cli.Commands;

/// <summary><c>hearth create name[:tag] --from file.gguf</c>: copies a local GGUF into the store under a name.</summary>
internal static class CreateCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "Name to register (name or name:tag; letters, digits, . _ - /)." };
        var from = new Option<string>("--from", "-f") { Description = "The GGUF file to copy into the store.", Required = true };
        var command = new Command("create", "Add a local GGUF file to the store under a name.");
        command.Arguments.Add(name);
        command.Options.Add(from);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var entry = StoreConsole.OpenStore().CreateFromFile(parseResult.GetValue(name)!, parseResult.GetValue(from)!, cancellationToken);
            Console.WriteLine($"created '{entry.FullName}' ({StoreConsole.FormatSize(entry.Size)}, {entry.DisplayType ?? "?"}, {entry.Architecture ?? "unknown architecture"})");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
