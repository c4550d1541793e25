using System.Security.Cryptography;
using System.Text;

namespace Hearth.Router.Access;

/// <summary>
/// Makes virtual keys and their stored form. A key is <c>hk-</c> followed by 32 base64url characters
/// (24 bytes from <see cref="RandomNumberGenerator"/>, 192 bits); the database keeps only
/// HMAC-SHA256(server secret, key), so a copy of the database alone cannot be used to find or forge keys.
/// The visible prefix is the first 8 characters (<c>hk-abcde</c>), enough to tell keys apart in a list.
/// </summary>
public sealed class KeyHasher
{
    public const string KeyPrefix = "hk-";
    public const int VisibleLength = 8;
    private const int HashLength = 32;
    private readonly byte[] secret;

    public KeyHasher(byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        this.secret = secret;
    }

    public static string NewKey() => KeyPrefix + Base64Url(RandomNumberGenerator.GetBytes(24));

    public static string NewId() => "key_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public static string VisiblePrefix(string key) => key.Length <= VisibleLength ? key : key[..VisibleLength];

    public byte[] Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(key));
    }

    /// <summary>Writes the hash as 64 hex characters into <paramref name="hex"/> without allocating (the per-request path).</summary>
    public bool TryHashHex(ReadOnlySpan<char> key, Span<char> hex)
    {
        if (key.Length > 256 || hex.Length < HashLength * 2)
        {
            return false; // no key is that long; refusing here bounds the stack buffer
        }

        Span<byte> utf8 = stackalloc byte[256 * 3];
        var length = Encoding.UTF8.GetBytes(key, utf8);
        Span<byte> hash = stackalloc byte[HashLength];
        HMACSHA256.HashData(secret, utf8[..length], hash);
        return Convert.TryToHexString(hash, hex, out _);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
