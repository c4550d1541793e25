namespace Hearth.Packaging.Spec;

/// <summary>Parses a model <c>source:</c> string; returns an error message instead of throwing so the spec reader can go on.</summary>
internal static class SourceParser
{
    public static (ModelSource? Source, string? Error) Parse(string text)
    {
        var value = text.Trim();
        foreach (var prefix in (string[])["hf.co/", "huggingface.co/"])
        {
            if (value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return ParseHub(value[prefix.Length..]);
            }
        }

        if (value.StartsWith("oci://", StringComparison.OrdinalIgnoreCase))
        {
            var reference = value["oci://".Length..];
            return Oci.ImageReference.TryParse(reference, out _, out var problem)
                ? (new OciSource(reference), null)
                : (null, problem);
        }

        if (value.Contains("://", StringComparison.Ordinal))
        {
            if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            {
                return uri.Fragment.Length > 0 || uri.UserInfo.Length > 0
                    ? (null, "a URL source must not carry a #fragment or user:password@ (put the digest in sha256:)")
                    : (new UrlSource(uri), null);
            }

            return (null, $"unsupported source scheme in '{value}': expected https://, hf.co/owner/repo@commit:file, oci:// or a local path");
        }

        return (new LocalSource(value), null);
    }

    private static (ModelSource?, string?) ParseHub(string rest)
    {
        const string shape = "expected hf.co/owner/repo@<40-hex commit>:path/to/file.gguf";
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            return (null, $"a Hugging Face source must name a commit, not a branch: {shape}");
        }

        var repo = rest[..at].Split('/');
        var afterAt = rest[(at + 1)..];
        var colon = afterAt.IndexOf(':', StringComparison.Ordinal);
        if (repo.Length != 2 || repo.Any(p => p.Length == 0 || p is "." or ".." || p.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))))
        {
            return (null, $"bad repository '{rest[..at]}': {shape}");
        }

        if (colon < 0 || colon == afterAt.Length - 1)
        {
            return (null, $"no file named after the commit: {shape}");
        }

        var revision = afterAt[..colon];
        var file = afterAt[(colon + 1)..];
        if (revision.Length != 40 || !revision.All(char.IsAsciiHexDigit))
        {
            return (null, $"'{revision}' is a branch or tag, not a commit: a Hugging Face source must name a 40-hex commit so its bytes cannot change");
        }

        if (file.Split('/').Any(p => p.Length == 0 || p is "." or ".."))
        {
            return (null, $"bad file path '{file}' in the repository");
        }

        return (new HubSource(repo[0], repo[1], revision.ToLowerInvariant(), file), null);
    }
}
