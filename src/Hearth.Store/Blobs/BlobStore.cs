using System.Security.Cryptography;

namespace Hearth.Store.Blobs;

/// <summary>
/// A file staged next to the blobs, hashed, waiting to become <c>sha256-&lt;hex&gt;</c>; or, with
/// <paramref name="InPlace"/>, a blob that already exists at <paramref name="TempPath"/>.
/// </summary>
internal sealed record StagedBlob(string TempPath, string Sha256, long Size, bool InPlace = false);

/// <summary>
/// Content-addressed model files: <c>models/blobs/sha256-&lt;hex&gt;</c>. A blob is written under a
/// temporary name in the same folder and renamed into place, so a blob path either does not exist
/// or holds the complete, verified file.
/// </summary>
internal sealed class BlobStore
{
    // 1 MiB: large enough that hashing, not syscalls, bounds copy speed.
    private const int BufferSize = 1 << 20;

    public BlobStore(string modelsDirectory)
    {
        BlobsDirectory = Path.Combine(modelsDirectory, "blobs");
        PartialDirectory = Path.Combine(modelsDirectory, "partial");
        Directory.CreateDirectory(BlobsDirectory);
        Directory.CreateDirectory(PartialDirectory);
    }

    public string BlobsDirectory { get; }

    /// <summary>Downloads in progress (<c>*.partial</c>), kept across runs so a pull can resume.</summary>
    public string PartialDirectory { get; }

    public string BlobPath(string sha256) => Path.Combine(BlobsDirectory, "sha256-" + sha256);

    /// <summary>Copies <paramref name="source"/> into a temporary file beside the blobs, hashing as it goes.</summary>
    public StagedBlob StageCopy(string source, CancellationToken cancellationToken)
    {
        var temp = Path.Combine(BlobsDirectory, ".tmp-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = 0;
            using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan))
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize))
            {
                var buffer = new byte[BufferSize];
                int read;
                while ((read = input.Read(buffer)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    hash.AppendData(buffer, 0, read);
                    output.Write(buffer, 0, read);
                    size += read;
                }
            }

            return new StagedBlob(temp, Convert.ToHexStringLower(hash.GetHashAndReset()), size);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Moves a staged file into place, or drops it when an identical blob already exists.</summary>
    public string Commit(StagedBlob staged)
    {
        var target = BlobPath(staged.Sha256);
        if (staged.InPlace)
        {
            return File.Exists(target) ? target : throw new FileNotFoundException($"blob {target} was removed meanwhile", target);
        }

        if (File.Exists(target))
        {
            TryDelete(staged.TempPath);
        }
        else
        {
            File.Move(staged.TempPath, target);
        }

        return target;
    }

    /// <summary>SHA-256 of a whole file as lower-case hex.</summary>
    public static string HashFile(string path, CancellationToken cancellationToken)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            hash.AppendData(buffer, 0, read);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp file is harmless and never mistaken for a blob.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
