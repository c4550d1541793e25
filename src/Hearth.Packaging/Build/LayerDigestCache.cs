using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Hearth.Packaging.Build;

/// <summary>
/// Remembers the digest of layers whose content is fully determined by a key made of digests (a
/// model layer is its entry name, the model's verified sha256 and the epoch), so a rebuild of an
/// unchanged model does not stream gigabytes just to learn a digest it already knew. One small
/// file per key; a missing or unreadable entry only costs a re-hash.
/// </summary>
public sealed class LayerDigestCache(string directory)
{
    public static string Key(params string[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))));

    public (string Digest, long Size)? TryGet(string key)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(directory, key)).Split(' ');
            return text.Length == 2 && Oci.Digest.IsValid(text[0]) && long.TryParse(text[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
                ? (text[0], size)
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Put(string key, string digest, long size)
    {
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, key + ".tmp-" + Environment.ProcessId);
        File.WriteAllText(temp, digest + " " + size.ToString(CultureInfo.InvariantCulture));
        File.Move(temp, Path.Combine(directory, key), overwrite: true);
    }
}
