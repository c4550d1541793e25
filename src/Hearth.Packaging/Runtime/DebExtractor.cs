using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Hearth.Packaging.Oci;
using SharpCompress.Compressors.Xz;

namespace Hearth.Packaging.Runtime;

/// <summary>
/// Reads a .deb in .NET: the <c>ar</c> archive's <c>data.tar[.xz|.gz]</c> member, through
/// System.Formats.Tar, into layer items (files in memory: runtime packages are small). xz is decoded
/// with SharpCompress (.NET has no xz decoder); .zst members are refused (Debian 12 uses xz).
/// Documentation, manuals and translations are left out; each package's copyright file is kept.
/// </summary>
public static class DebExtractor
{
    private static readonly string[] Skipped = ["usr/share/man/", "usr/share/info/", "usr/share/locale/", "usr/share/lintian/", "usr/share/bug/"];

    public static List<LayerItem> Extract(string debFile)
    {
        using var file = File.OpenRead(debFile);
        var (name, member) = FindDataMember(file, debFile);
        using Stream data = name switch
        {
            "data.tar.xz" => new XZStream(member),
            "data.tar.gz" => new GZipStream(member, CompressionMode.Decompress),
            "data.tar" => member,
            _ => throw new NotSupportedException($"{Path.GetFileName(debFile)}: {name} is not supported (xz, gz or plain tar only)"),
        };
        using var reader = new TarReader(data);
        var items = new List<LayerItem>();
        var contents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        while (reader.GetNextEntry() is { } entry)
        {
            var path = entry.Name.TrimStart('.').Trim('/');
            if (path.Length == 0 || Skip(path))
            {
                continue;
            }

            var executable = (entry.Mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    items.Add(LayerItem.Dir(path));
                    break;
                case TarEntryType.SymbolicLink:
                    items.Add(LayerItem.Link(path, entry.LinkName));
                    break;
                case TarEntryType.HardLink:
                    var target = entry.LinkName.TrimStart('.').Trim('/');
                    items.Add(LayerItem.FromBytes(path, contents.GetValueOrDefault(target) ?? throw new InvalidDataException($"{debFile}: hard link to unknown {target}"), executable));
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                    using (var buffer = new MemoryStream())
                    {
                        entry.DataStream?.CopyTo(buffer);
                        contents[path] = buffer.ToArray();
                        items.Add(LayerItem.FromBytes(path, contents[path], executable));
                    }

                    break;
            }
        }

        return items;
    }

    private static bool Skip(string path) =>
        Skipped.Any(s => path.StartsWith(s, StringComparison.Ordinal)) ||
        (path.StartsWith("usr/share/doc/", StringComparison.Ordinal) && !path.EndsWith("/copyright", StringComparison.Ordinal) && path.Count(c => c == '/') > 3);

    /// <summary>Walks the ar archive (<c>!&lt;arch&gt;</c>, 60-byte member headers, 2-byte alignment) to the data.tar member.</summary>
    private static (string Name, Stream Member) FindDataMember(FileStream file, string debFile)
    {
        Span<byte> magic = stackalloc byte[8];
        file.ReadExactly(magic);
        if (!magic.SequenceEqual("!<arch>\n"u8))
        {
            throw new InvalidDataException($"{debFile} is not a Debian package (no ar header)");
        }

        var header = new byte[60];
        while (file.Read(header, 0, 60) == 60)
        {
            var name = Encoding.ASCII.GetString(header, 0, 16).Trim().TrimEnd('/');
            var size = long.Parse(Encoding.ASCII.GetString(header, 48, 10).Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
            if (name.StartsWith("data.tar", StringComparison.Ordinal))
            {
                var bytes = new byte[size];
                file.ReadExactly(bytes);
                return (name, new MemoryStream(bytes, writable: false));
            }

            file.Seek(size + (size & 1), SeekOrigin.Current);
        }

        throw new InvalidDataException($"{debFile} has no data.tar member");
    }
}
