using System.CommandLine;

namespace Hearth.Cli;

/// <summary>Every top-level command, in the order `hearth --help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield break;
    }
}
