using System.Net;

namespace Hearth.Packaging;

/// <summary>A model file's bytes do not have the sha256 the spec names; nothing was pushed.</summary>
public sealed class ModelChecksumException(string source, string expected, string actual)
    : FormatException($"sha256 mismatch for {source}: the spec says {expected}, the file has {actual}; nothing was pushed")
{
    public string Origin { get; } = source;

    public string Expected { get; } = expected;

    public string Actual { get; } = actual;
}

/// <summary>A model source is not a GGUF file.</summary>
public sealed class NotAGgufSourceException(string source, Exception inner)
    : FormatException($"{source} is not a GGUF model file ({inner.Message}); nothing was pushed", inner)
{
    public string Origin { get; } = source;
}

/// <summary>A registry answered with an error; <see cref="Code"/> is the OCI error code when it sent one.</summary>
public class RegistryException(string message, HttpStatusCode? status, string? code = null)
    : HttpRequestException(message, null, status)
{
    public string? Code { get; } = code;
}

/// <summary>The registry refused the credentials (or asked for some and none were given).</summary>
public sealed class RegistryAuthException(string registry, string detail)
    : RegistryException($"registry {registry} refused authentication: {detail}", HttpStatusCode.Unauthorized, "UNAUTHORIZED")
{
    public string Registry { get; } = registry;
}

/// <summary>The disk under the blob cache filled up while a model was written there; the partial file was deleted, nothing was pushed.</summary>
public sealed class BlobCacheFullException(string directory, Exception inner)
    : IOException($"no space left in the blob cache {directory} ({inner.Message.Trim()}); free space there or point HEARTH_HOME at a larger disk; nothing was pushed", inner)
{
    public string Directory { get; } = directory;

    /// <summary>ENOSPC (Linux errno 28, as .NET reports it) or Windows' ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL.</summary>
    public static bool IsDiskFull(IOException ex) => ex.HResult is 28 or unchecked((int)0x80070070) or unchecked((int)0x80070027);
}
