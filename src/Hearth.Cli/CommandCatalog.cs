using System.CommandLine;

namespace Hearth.Cli;

/// <summary>Every top-level command, in the order `hearth --help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return Commands.ServeCommand.Create();

        // run, eval, bench (Hearth.Engine)

        // pull, list, show, rm, create (Hearth.Store)

        // info (Hearth.Gguf)

        // tokenize (Hearth.Tokenizers)

        // template (Hearth.Templates)

        // quantize, synth (Hearth.Numerics quantizers)

        yield break;
    }
}
