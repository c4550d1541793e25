using System.CommandLine;

namespace Hearth.Cli;

/// <summary>
/// Runs the parsed command and turns any exception that escapes it into one clear line on stderr
/// and a named exit code, so users never see a stack trace for bad input.
/// </summary>
internal static class CliRunner
{
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        try
        {
            // The default handler would print "Unhandled exception" with a stack trace and return 1;
            // off, exceptions reach ErrorMapping below and become one line and a named exit code.
            var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
            return await parse.InvokeAsync(configuration).ConfigureAwait(false);
        }
        catch (Exception ex) when (ErrorMapping.TryMap(ex, out var code, out var message))
        {
            await Console.Error.WriteLineAsync("error: " + message).ConfigureAwait(false);
            if (Environment.GetEnvironmentVariable("HEARTH_DEBUG") == "1")
            {
                await Console.Error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            }

            return code;
        }
    }
}
