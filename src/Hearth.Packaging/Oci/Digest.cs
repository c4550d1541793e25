using System.Security.Cryptography;

namespace Hearth.Packaging.Oci;

/// <summary>OCI content digests: <c>sha256:&lt;64 lower-case hex&gt;</c>.</summary>
public static class Digest
{
    public const string Prefix = "sha256:";

    public static bool IsValid(string? digest) =>
        digest is { Length: 71 } && digest.StartsWith(Prefix, StringComparison.Ordinal) && digest.AsSpan(7).ContainsAnyExcept("0123456789abcdef") is false;

    public static string Of(ReadOnlySpan<byte> bytes) => Prefix + Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string FromHex(string hex) => Prefix + hex.ToLowerInvariant();

    public static string Hex(string digest) =>
        IsValid(digest) ? digest[Prefix.Length..] : throw new FormatException($"bad digest '{digest}': expected sha256:<64 hex>");

    /// <summary>Streams a file through SHA-256 (1 MiB reads): models are never held in memory whole.</summary>
    public static async Task<(string Digest, long Size)> OfFileAsync(string path, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            var hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
            return (Prefix + Convert.ToHexStringLower(hash), stream.Length);
        }
    }
}
