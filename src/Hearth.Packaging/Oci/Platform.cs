namespace Hearth.Packaging.Oci;

/// <summary>
/// An OCI platform (image-index <c>platform</c> object). Only the platforms Hearth publishes a
/// self-contained runtime for are accepted: the .NET runtime identifier and Debian architecture go with them.
/// </summary>
public sealed record Platform(string Os, string Architecture)
{
    public static Platform LinuxAmd64 { get; } = new("linux", "amd64");

    public static Platform LinuxArm64 { get; } = new("linux", "arm64");

    public static IReadOnlyList<Platform> Supported { get; } = [LinuxAmd64, LinuxArm64];

    /// <summary>.NET runtime identifier for <c>dotnet publish -r</c>.</summary>
    public string RuntimeIdentifier => Architecture switch
    {
        "amd64" => "linux-x64",
        "arm64" => "linux-arm64",
        _ => throw new NotSupportedException($"no .NET runtime for {this}"),
    };

    /// <summary>Debian's name of the architecture (the same words as OCI's for these two).</summary>
    public string DebianArchitecture => Architecture;

    /// <summary>ELF e_machine of binaries for this platform (62 = x86-64, 183 = AArch64).</summary>
    public ushort ElfMachine => Architecture == "amd64" ? (ushort)62 : (ushort)183;

    public static bool TryParse(string text, out Platform platform)
    {
        platform = Supported.FirstOrDefault(p => p.ToString() == text.Trim())!;
        return platform is not null;
    }

    public static Platform Parse(string text) =>
        TryParse(text, out var p) ? p : throw new ArgumentException($"unknown platform '{text}': expected one of {string.Join(", ", Supported)}");

    public override string ToString() => Os + "/" + Architecture;
}
