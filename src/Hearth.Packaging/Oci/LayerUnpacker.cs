using System.Formats.Tar;

namespace Hearth.Packaging.Oci;

/// <summary>
/// Applies uncompressed (or gzip) tar layers to a root folder in order, as a container runtime
/// would: files, folders, symbolic links, OCI whiteouts (<c>.wh.NAME</c> deletes NAME). Paths that
/// would leave the root (<c>..</c>, absolute names) are refused.
/// </summary>
public static class LayerUnpacker
{
    public static void Apply(string layerFile, string mediaType, string root)
    {
        using var file = File.OpenRead(layerFile);
        using Stream tar = mediaType.EndsWith("+gzip", StringComparison.Ordinal) ? new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress) : file;
        using var reader = new TarReader(tar);
        var fullRoot = Path.GetFullPath(root);
        while (reader.GetNextEntry() is { } entry)
        {
            var name = entry.Name.TrimStart('.', '/').TrimEnd('/');
            if (name.Length == 0)
            {
                continue;
            }

            if (name.Split('/').Any(p => p == ".."))
            {
                throw new InvalidDataException($"layer entry '{entry.Name}' leaves the root");
            }

            var target = Path.Combine(fullRoot, name);
            var leaf = Path.GetFileName(name);
            if (leaf.StartsWith(".wh.", StringComparison.Ordinal))
            {
                var victim = Path.Combine(Path.GetDirectoryName(target)!, leaf[4..]);
                if (Directory.Exists(victim))
                {
                    Directory.Delete(victim, recursive: true);
                }
                else
                {
                    File.Delete(victim);
                }

                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(target);
                    break;
                case TarEntryType.SymbolicLink:
                    File.Delete(target);
                    File.CreateSymbolicLink(target, entry.LinkName);
                    break;
                case TarEntryType.HardLink:
                    File.Copy(Path.Combine(fullRoot, entry.LinkName.TrimStart('.', '/')), target, overwrite: true);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                    File.Delete(target);
                    entry.ExtractToFile(target, overwrite: true);
                    break;
            }
        }
    }
}
