namespace Hearth.Packaging.Runtime;

/// <summary>A Debian package file fetched through apt, with the version and sha256 apt's index gives for it.</summary>
public sealed record DebPackage(string Name, string Version, string Architecture, string Sha256, string File);
