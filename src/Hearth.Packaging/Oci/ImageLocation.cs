namespace Hearth.Packaging.Oci;

/// <summary>Kinds of places images are read from and written to.</summary>
public enum ImageLocationKind
{
    OciLayout,
    DockerArchive,
    Registry,
}

/// <summary>
/// Where an image lives, in skopeo's transport syntax: <c>oci:DIR[:TAG]</c>,
/// <c>docker-archive:FILE[:REF]</c>, or a registry reference (<c>docker://</c> optional).
/// </summary>
public sealed record ImageLocation(ImageLocationKind Kind, string Path, string? Tag, ImageReference? Reference)
{
    public const string DefaultTag = "latest";

    public static ImageLocation Parse(string text)
    {
        if (text.StartsWith("oci:", StringComparison.Ordinal))
        {
            var (path, tag) = SplitTag(text["oci:".Length..]);
            return new ImageLocation(ImageLocationKind.OciLayout, path, tag, null);
        }

        if (text.StartsWith("docker-archive:", StringComparison.Ordinal))
        {
            // docker-archive:FILE[:REPO[:TAG]]: the reference holds colons itself, so the path ends at the first one.
            var rest = text["docker-archive:".Length..];
            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            var (path, tag) = colon <= 0 ? (rest, (string?)null) : (rest[..colon], rest[(colon + 1)..]);
            return new ImageLocation(ImageLocationKind.DockerArchive, path, tag, tag is null ? null : ImageReference.Parse(tag));
        }

        var reference = ImageReference.Parse(text.StartsWith("docker://", StringComparison.Ordinal) ? text["docker://".Length..] : text);
        return new ImageLocation(ImageLocationKind.Registry, "", reference.Tag, reference);
    }

    /// <summary>Splits a trailing <c>:TAG</c> off a path (a colon inside a path segment stays when a '/' follows it).</summary>
    private static (string Path, string? Tag) SplitTag(string rest)
    {
        var colon = rest.LastIndexOf(':');
        if (colon <= 0 || rest.IndexOf('/', colon) >= 0)
        {
            return (rest, null);
        }

        return (rest[..colon], rest[(colon + 1)..]);
    }

    public override string ToString() => Kind switch
    {
        ImageLocationKind.OciLayout => $"oci:{Path}{(Tag is null ? "" : ":" + Tag)}",
        ImageLocationKind.DockerArchive => $"docker-archive:{Path}{(Tag is null ? "" : ":" + Tag)}",
        _ => Reference!.ToString(),
    };
}
