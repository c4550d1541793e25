using System.CommandLine;
using Hearth.Store;

namespace Hearth.Cli.Commands;

/// <summary><c>hearth rm name[:tag]...</c>: removes models; a file is deleted once no name uses it.</summary>
internal static class RmCommand
{
    public static Command Create()
    {
        var models = new Argument<string[]>("models") { Description = "Model names (name or name:tag).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("rm", "Remove models from the store.");
        command.Arguments.Add(models);
        command.SetAction(parseResult =>
        {
            var store = StoreConsole.OpenStore();
            foreach (var name in parseResult.GetValue(models) ?? [])
            {
                if (!store.Remove(name))
                {
                    throw new ModelNotFoundException(name);
                }

                Console.WriteLine($"deleted '{ModelName.Parse(name)}'");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
