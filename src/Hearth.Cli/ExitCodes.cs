namespace Hearth.Cli;

/// <summary>Process exit codes of the hearth CLI. Scripts may rely on these values.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Unexpected internal failure (a bug): the message is printed, the stack trace only with HEARTH_DEBUG=1.</summary>
    public const int InternalError = 1;

    /// <summary>Command-line usage error: unknown option, missing argument.</summary>
    public const int Usage = 2;

    /// <summary>An input file does not exist or cannot be read.</summary>
    public const int FileNotFound = 3;

    /// <summary>An input file exists but is not a valid GGUF (or other) file.</summary>
    public const int InvalidFormat = 4;

    /// <summary>The model or request uses something Hearth does not support (architecture, tensor type).</summary>
    public const int Unsupported = 5;

    /// <summary>Invalid input data other than files: bad JSON, prompt too long, bad parameter value.</summary>
    public const int InvalidInput = 6;

    /// <summary>A network operation (pull) failed.</summary>
    public const int NetworkError = 7;

    /// <summary>No model of that name is in the store (and no file at that path).</summary>
    public const int ModelNotFound = 8;

    /// <summary>The disk filled up (the pack blob cache); nothing half-written was kept or published.</summary>
    public const int DiskFull = 9;

    /// <summary>The user interrupted the command (Ctrl+C).</summary>
    public const int Interrupted = 130;
}
