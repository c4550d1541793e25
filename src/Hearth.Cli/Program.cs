using System.CommandLine;
using Hearth.Cli;

// The CLI is a thin shell over the libraries: each command lives in Commands/<Name>Command.cs,
// builds its System.CommandLine definition in Create(), and maps failures to ExitCodes.
var root = new RootCommand("Hearth: run open AI models on your own machine.");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

return await CliRunner.RunAsync(root, args).ConfigureAwait(false);
