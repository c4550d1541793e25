namespace Hearth.Store.Pull;

/// <summary>What <c>hearth pull</c> was asked for: a direct URL or a Hugging Face repository.</summary>
internal abstract record PullSource
{
    /// <summary>
    /// Parses <c>https://host/path/file.gguf[#sha256=&lt;hex&gt;]</c> (http too, for local mirrors) or
    /// <c>hf.co/owner/repo[:QUANT]</c> (also <c>huggingface.co/…</c>). Throws ArgumentException otherwise.
    /// </summary>
    public static PullSource Parse(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        var text = reference.Trim();
        foreach (var prefix in (string[])["hf.co/", "huggingface.co/"])
        {
            if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return ParseHub(reference, text[prefix.Length..]);
            }
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            string? sha = null;
            if (uri.Fragment.Length > 1)
            {
                const string key = "#sha256=";
                if (!uri.Fragment.StartsWith(key, StringComparison.OrdinalIgnoreCase))
                {
                    throw new ArgumentException($"unsupported URL fragment '{uri.Fragment}' in {reference}: only #sha256=<hex> is understood");
                }

                sha = Sha256Text.Normalize(uri.Fragment[key.Length..], reference);
            }

            var bare = new UriBuilder(uri) { Fragment = string.Empty }.Uri;
            return new DirectSource(bare, sha);
        }

        throw new ArgumentException($"cannot pull '{reference}': expected an https:// URL of a .gguf file or hf.co/owner/repo[:QUANT]");
    }

    private static HubSource ParseHub(string reference, string rest)
    {
        string? quant = null;
        var colon = rest.LastIndexOf(':');
        if (colon >= 0)
        {
            quant = rest[(colon + 1)..];
            rest = rest[..colon];
            if (quant.Length == 0)
            {
                throw new ArgumentException($"cannot pull '{reference}': empty quantization after ':'");
            }
        }

        var parts = rest.Split('/');
        if (parts.Length != 2 || parts.Any(p => p.Length == 0 || p is "." or ".." || p.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))))
        {
            throw new ArgumentException($"cannot pull '{reference}': expected hf.co/owner/repo[:QUANT]");
        }

        return new HubSource(parts[0], parts[1], quant);
    }
}

/// <summary>A file URL, with the SHA-256 the URL fragment promised (if any).</summary>
internal sealed record DirectSource(Uri Url, string? Sha256) : PullSource;

/// <summary>A Hugging Face repository and the quantization to pick from its GGUF files.</summary>
internal sealed record HubSource(string Owner, string Repository, string? Quant) : PullSource
{
    public string RepoId => Owner + "/" + Repository;
}

/// <summary>Validation of SHA-256 hex strings given by users and servers.</summary>
internal static class Sha256Text
{
    public static string Normalize(string hex, string context)
    {
        var value = hex.Trim();
        if (value.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
        {
            value = value["sha256:".Length..];
        }

        if (value.Length != 64 || !value.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException($"invalid sha256 '{hex}' in {context}: expected 64 hex digits");
        }

        return value.ToLowerInvariant();
    }
}
