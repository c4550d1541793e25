using System.CommandLine;

namespace Hearth.Cli.Commands;

/// <summary><c>hearth cp SOURCE DESTINATION</c>: a second name for a stored model (as <c>ollama cp</c>); both share one file.</summary>
internal static class CpCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("source") { Description = "Stored model (name or name:tag)." };
        var destination = new Argument<string>("destination") { Description = "New name (name or name:tag); an existing one is replaced." };
        var command = new Command("cp", "Copy a model in the store under another name (no file is copied).");
        command.Arguments.Add(source);
        command.Arguments.Add(destination);
        command.SetAction(parseResult =>
        {
            var entry = StoreConsole.OpenStore().Copy(parseResult.GetValue(source)!, parseResult.GetValue(destination)!);
            Console.WriteLine($"copied '{parseResult.GetValue(source)}' to '{entry.FullName}'");
            return ExitCodes.Ok;
        });
        return command;
    }
}
