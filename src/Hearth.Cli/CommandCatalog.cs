using System.CommandLine;

namespace Hearth.Cli;

/// <summary>Every top-level command, in the order `hearth --help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return Commands.ServeCommand.Create();
        yield return Commands.RouterCommand.Create();
        yield return Commands.UpCommand.Create();
        yield return Commands.InstancesCommand.Create();

        yield return Commands.RunCommand.Create();
        yield return Commands.EvalCommand.Create();
        yield return Commands.BenchCommand.Create();

        yield return Commands.PullCommand.Create();
        yield return Commands.ListCommand.Create();
        yield return Commands.ShowCommand.Create();
        yield return Commands.RmCommand.Create();
        yield return Commands.CpCommand.Create();
        yield return Commands.CreateCommand.Create();

        yield return Commands.InfoCommand.Create();

        yield return Commands.TokenizeCommand.Create();

        yield return Commands.TemplateCommand.Create();

        yield return Commands.QuantizeCommand.Create();
        yield return Commands.SynthCommand.Create();

        yield return Commands.PackCommand.Create();

        yield break;
    }
}
