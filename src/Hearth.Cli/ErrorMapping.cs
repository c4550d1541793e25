namespace Hearth.Cli;

/// <summary>Maps exceptions that escape a command to an exit code and a one-line message.</summary>
internal static class ErrorMapping
{
    public static bool TryMap(Exception ex, out int exitCode, out string message)
    {
        (exitCode, message) = ex switch
        {
            OperationCanceledException => (ExitCodes.Interrupted, "interrupted"),
            Hearth.Packaging.BlobCacheFullException full => (ExitCodes.DiskFull, full.Message),
            Hearth.Store.ModelNotFoundException m => (ExitCodes.ModelNotFound, m.Message),
            Hearth.Templates.TemplateRuntimeException t => (ExitCodes.InvalidInput, t.Message),
            FileNotFoundException f => (ExitCodes.FileNotFound, $"file not found: {f.FileName ?? f.Message}"),
            DirectoryNotFoundException d => (ExitCodes.FileNotFound, d.Message),
            UnauthorizedAccessException u => (ExitCodes.FileNotFound, u.Message),
            NotSupportedException n => (ExitCodes.Unsupported, n.Message),
            ArgumentException a => (ExitCodes.InvalidInput, a.Message),
            FormatException fe => (ExitCodes.InvalidFormat, fe.Message),
            InvalidDataException ide => (ExitCodes.InvalidFormat, ide.Message),
            HttpRequestException h => (ExitCodes.NetworkError, h.Message),
            _ => (ExitCodes.InternalError, ex.Message),
        };
        return true;
    }
}
