namespace Hearth.Packaging.Oci;

/// <summary>Kinds of entries Hearth puts in a layer.</summary>
public enum LayerItemKind
{
    Directory,
    File,
    Symlink,
}

/// <summary>
/// One entry of a layer: a path inside the image (relative, '/'-separated) and where its bytes
/// come from (a file on disk, read when the layer is written, or small inline bytes). Modes are
/// given, never read from disk, so umask cannot change a layer.
/// </summary>
public sealed record LayerItem(string Path, LayerItemKind Kind, UnixFileMode Mode, int Uid = 0, int Gid = 0)
{
    public string? SourceFile { get; init; }

    public byte[]? Content { get; init; }

    public string? LinkTarget { get; init; }

    /// <summary>When set, the source file must hash to this (lower-case hex); checked each time the layer is streamed.</summary>
    public string? ExpectedSha256 { get; init; }

    public static LayerItem Dir(string path, int uid = 0, int gid = 0) => new(path, LayerItemKind.Directory, Modes.Directory, uid, gid);

    public static LayerItem FromFile(string path, string source, bool executable = false) =>
        new(path, LayerItemKind.File, executable ? Modes.Executable : Modes.Regular) { SourceFile = source };

    public static LayerItem FromBytes(string path, byte[] content, bool executable = false) =>
        new(path, LayerItemKind.File, executable ? Modes.Executable : Modes.Regular) { Content = content };

    public static LayerItem Link(string path, string target) => new(path, LayerItemKind.Symlink, Modes.Link) { LinkTarget = target };

    /// <summary>The fixed modes of reproducible layers.</summary>
    public static class Modes
    {
        public const UnixFileMode Directory = (UnixFileMode)0b111_101_101; // 0755

        public const UnixFileMode Executable = (UnixFileMode)0b111_101_101; // 0755

        public const UnixFileMode Regular = (UnixFileMode)0b110_100_100; // 0644

        public const UnixFileMode Link = (UnixFileMode)0b111_111_111; // 0777
    }
}
