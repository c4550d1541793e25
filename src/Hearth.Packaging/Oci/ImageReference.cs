using System.Text.RegularExpressions;

namespace Hearth.Packaging.Oci;

/// <summary>
/// <c>[registry/]repository[:tag][@sha256:hex]</c> as docker and skopeo write it. The first path
/// component is the registry when it has a '.', a ':' or is <c>localhost</c>; otherwise the registry
/// is Docker Hub and a one-word repository gets <c>library/</c>.
/// </summary>
public sealed partial record ImageReference(string Registry, string Repository, string? Tag, string? Digest)
{
    public const string DockerHub = "registry-1.docker.io";

    [GeneratedRegex("^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex TagPattern();

    /// <summary>The tag or digest a manifest request names (digest first: it pins the bytes).</summary>
    public string ManifestReference => Digest ?? Tag ?? "latest";

    public static ImageReference Parse(string text) =>
        TryParse(text, out var reference, out var problem) ? reference : throw new ArgumentException(problem);

    public static bool TryParse(string text, out ImageReference reference, out string problem)
    {
        reference = null!;
        problem = "";
        var rest = text.Trim();
        string? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (!Oci.Digest.IsValid(digest))
            {
                problem = $"bad digest '{digest}' in image reference '{text}': expected sha256:<64 hex>";
                return false;
            }
        }

        var registry = DockerHub;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && (rest[..slash].Contains('.', StringComparison.Ordinal) || rest[..slash].Contains(':', StringComparison.Ordinal) || rest[..slash] == "localhost"))
        {
            registry = rest[..slash];
            rest = rest[(slash + 1)..];
        }

        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon >= 0)
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!TagPattern().IsMatch(tag))
            {
                problem = $"bad tag '{tag}' in image reference '{text}'";
                return false;
            }
        }

        if (registry == DockerHub && !rest.Contains('/', StringComparison.Ordinal))
        {
            rest = "library/" + rest;
        }

        if (!RepositoryPattern().IsMatch(rest))
        {
            problem = $"bad repository '{rest}' in image reference '{text}': lower-case words separated by '/'";
            return false;
        }

        reference = new ImageReference(registry, rest, tag, digest);
        return true;
    }

    public ImageReference WithDigest(string digest) => this with { Digest = digest };

    public override string ToString() => $"{Registry}/{Repository}{(Tag is null ? "" : ":" + Tag)}{(Digest is null ? "" : "@" + Digest)}";
}
