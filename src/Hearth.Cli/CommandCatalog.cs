using System.CommandLine;

namespace Hearth.Cli;

/// <summary>Every top-level command, in the order `hearth --help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        // serve (Hearth.Server)

        // run, eval, bench (Hearth.Engine)

        // pull, list, show, rm, create (Hearth.Store)

        // info (Hearth.Gguf)

        yield return Commands.TokenizeCommand.Create();

        // template (Hearth.Templates)

        // quantize, synth (Hearth.Numerics quantizers)

        yield break;
    }
}
