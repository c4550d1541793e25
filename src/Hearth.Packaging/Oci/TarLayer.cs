using System.Formats.Tar;

namespace Hearth.Packaging.Oci;

/// <summary>
/// A reproducible, uncompressed tar layer written with System.Formats.Tar: entries sorted by path
/// (ordinal), parent directories added, uid/gid 0 unless given, fixed modes, every mtime the same
/// epoch (<c>SOURCE_DATE_EPOCH</c> or 0), no user or group names. Ustar headers, and PAX headers
/// (with only the fields that need them, so nothing time-dependent) for files of 8 GiB and more or
/// names ustar cannot hold. The layer is never materialized: it is streamed from its sources each
/// time it is written, and its digest comes from a first streamed pass.
/// </summary>
public sealed class TarLayer : Blob
{
    /// <summary>Ustar's size field holds 11 octal digits: 8 GiB - 1 at most.</summary>
    internal const long UstarMaxSize = (1L << 33) - 1;

    private readonly IReadOnlyList<LayerItem> items;
    private readonly DateTimeOffset mtime;
    private string? digest;
    private long size;

    private TarLayer(IReadOnlyList<LayerItem> items, DateTimeOffset mtime)
    {
        this.items = items;
        this.mtime = mtime;
    }

    public IReadOnlyList<LayerItem> Items => items;

    public override string Digest => digest ?? throw new InvalidOperationException("layer digest not computed yet");

    public override long Size => size;

    /// <summary>
    /// Builds a layer of <paramref name="entries"/> and computes its digest by streaming it once.
    /// <paramref name="knownDigest"/> (from a cache keyed on the content's own digests) skips that pass.
    /// </summary>
    public static async Task<TarLayer> CreateAsync(IEnumerable<LayerItem> entries, DateTimeOffset mtime, CancellationToken cancellationToken,
        (string Digest, long Size)? knownDigest = null)
    {
        var layer = new TarLayer(Normalize(entries), mtime);
        if (knownDigest is { } known)
        {
            (layer.digest, layer.size) = known;
            return layer;
        }

        using var sink = new HashingStream(null);
        await layer.WriteTarAsync(sink, cancellationToken).ConfigureAwait(false);
        layer.digest = sink.Digest();
        layer.size = sink.BytesWritten;
        return layer;
    }

    public override async Task CopyToAsync(Stream destination, CancellationToken cancellationToken)
    {
        // Hash what is written: a source file that changed since the digest was taken must not
        // go out under the old digest.
        var check = new HashingStream(destination);
        await using (check.ConfigureAwait(false))
        {
            await WriteTarAsync(check, cancellationToken).ConfigureAwait(false);
            if (digest is not null && check.Digest() != digest)
            {
                throw new InvalidDataException($"layer content changed while writing it: expected {digest}, wrote {check.Digest()}");
            }
        }
    }

    /// <summary>Epoch for layer mtimes: <c>SOURCE_DATE_EPOCH</c> (seconds) when set, else 1970-01-01.</summary>
    public static DateTimeOffset SourceDateEpoch(string? value = null)
    {
        value ??= Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        return long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.UnixEpoch;
    }

    private static List<LayerItem> Normalize(IEnumerable<LayerItem> entries)
    {
        var byPath = new Dictionary<string, LayerItem>(StringComparer.Ordinal);
        foreach (var item in entries)
        {
            var path = item.Path.Trim('/');
            if (path.Length == 0 || path.Split('/').Any(p => p is "" or "." or ".."))
            {
                throw new ArgumentException($"bad layer path '{item.Path}'");
            }

            if (!byPath.TryAdd(path, item with { Path = path }) && item.Kind != LayerItemKind.Directory)
            {
                byPath[path] = item with { Path = path };
            }

            // Every parent directory gets its own entry, so extraction never invents modes.
            for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
            {
                byPath.TryAdd(path[..slash], LayerItem.Dir(path[..slash]));
            }
        }

        return [.. byPath.Values.OrderBy(i => i.Path, StringComparer.Ordinal)];
    }

    private async Task WriteTarAsync(Stream destination, CancellationToken cancellationToken)
    {
        var writer = new TarWriter(destination, TarEntryFormat.Ustar, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            foreach (var item in items)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var stream = OpenContent(item, out var length);
                try
                {
                    var entry = CreateEntry(item, length);
                    if (stream is not null)
                    {
                        entry.DataStream = stream;
                    }

                    await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    if (stream is not null)
                    {
                        await stream.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }
        }
    }

    private static Stream? OpenContent(LayerItem item, out long length)
    {
        length = 0;
        if (item.Kind != LayerItemKind.File)
        {
            return null;
        }

        if (item.Content is { } bytes)
        {
            length = bytes.Length;
            return new MemoryStream(bytes, writable: false);
        }

        var file = new FileStream(item.SourceFile!, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
        length = file.Length;
        return item.ExpectedSha256 is { } sha ? new VerifyingReadStream(file, sha, item.SourceFile!) : file;
    }

    private TarEntry CreateEntry(LayerItem item, long length)
    {
        var type = item.Kind switch
        {
            LayerItemKind.Directory => TarEntryType.Directory,
            LayerItemKind.Symlink => TarEntryType.SymbolicLink,
            _ => TarEntryType.RegularFile,
        };
        var name = item.Kind == LayerItemKind.Directory ? item.Path + "/" : item.Path;
        var needsPax = length > UstarMaxSize || !FitsUstar(name) || (item.LinkTarget?.Length ?? 0) > 100;
        TarEntry entry = needsPax
            ? new PaxTarEntry(type, name, new Dictionary<string, string>
            {
                // Only what ustar cannot say; a fixed mtime keeps the header reproducible.
                ["mtime"] = mtime.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            })
            : new UstarTarEntry(type, name);
        entry.ModificationTime = mtime;
        entry.Mode = item.Mode;
        entry.Uid = item.Uid;
        entry.Gid = item.Gid;
        if (item.LinkTarget is { } target)
        {
            entry.LinkName = target;
        }

        return entry;
    }

    /// <summary>Ustar holds a name of 100 bytes, or 155 + '/' + 100 when it splits at a slash.</summary>
    private static bool FitsUstar(string name)
    {
        if (name.Any(c => c > 127))
        {
            return false; // the split below counts characters as bytes
        }

        var length = name.Length;
        if (length <= 100)
        {
            return true;
        }

        for (var i = name.Length - 1; i > 0; i--)
        {
            if (name[i] == '/' && i <= 155 && length - i - 1 <= 100 && length - i - 1 > 0)
            {
                return true;
            }
        }

        return false;
    }
}
