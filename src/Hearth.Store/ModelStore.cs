using Hearth.Store.Blobs;
using Hearth.Store.Inspection;
using Hearth.Store.Registry;
using Microsoft.Data.Sqlite;

namespace Hearth.Store;

/// <summary>
/// The local model store under <see cref="StoreOptions.Home"/>: content-addressed GGUF files plus a
/// SQLite registry mapping <c>name:tag</c> to them. Thread-safe and safe across processes: every
/// write runs in an immediate SQLite transaction, which serialises writers through the database lock.
/// </summary>
public sealed class ModelStore
{
    private readonly RegistryDatabase database;
    private readonly BlobStore blobs;

    private ModelStore(StoreOptions options, RegistryDatabase database, BlobStore blobs)
    {
        Options = options;
        this.database = database;
        this.blobs = blobs;
    }

    public StoreOptions Options { get; }

    public string Home => Options.Home;

    /// <summary>Path of the SQLite registry (<c>registry.db</c> in the home folder).</summary>
    public string RegistryPath => database.Path;

    public string BlobsDirectory => blobs.BlobsDirectory;

    /// <summary>Folder of downloads in progress; <see cref="ModelPuller"/> resumes from here.</summary>
    public string PartialDirectory => blobs.PartialDirectory;

    /// <summary>Opens (creating and migrating when needed) the store at <paramref name="options"/>.Home.</summary>
    public static ModelStore Open(StoreOptions? options = null)
    {
        options ??= new StoreOptions();
        var home = Path.GetFullPath(options.Home);
        options.Home = home;
        Directory.CreateDirectory(home);
        var blobs = new BlobStore(Path.Combine(home, "models"));
        var database = new RegistryDatabase(Path.Combine(home, "registry.db"), options.BusyTimeout);
        database.Migrate();
        return new ModelStore(options, database, blobs);
    }

    /// <summary>Path a blob with this SHA-256 has (whether or not it exists).</summary>
    public string GetBlobPath(string sha256) => blobs.BlobPath(sha256);

    /// <summary>
    /// Finds a model by <c>name</c> (tag "latest"), <c>name:tag</c>, or, when no registered name
    /// matches, by the path of an existing file. Returns null when neither exists (also for empty
    /// or malformed input, so request handlers can map null to "not found" without a try/catch).
    /// </summary>
    public ModelEntry? TryResolve(string? nameOrPath)
    {
        if (string.IsNullOrWhiteSpace(nameOrPath))
        {
            return null;
        }

        if (ModelName.TryParse(nameOrPath, out var name) && Find(name) is { } entry)
        {
            return entry;
        }

        return File.Exists(nameOrPath) ? PathEntry(nameOrPath) : null;
    }

    /// <summary>Like <see cref="TryResolve"/>, but throws <see cref="ModelNotFoundException"/>.</summary>
    public ModelEntry Resolve(string nameOrPath) => TryResolve(nameOrPath) ?? throw new ModelNotFoundException(nameOrPath ?? string.Empty);

    /// <summary>The registry entry for this exact name:tag, or null.</summary>
    public ModelEntry? Find(ModelName name)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {ModelRows.Columns} FROM models WHERE name = $name AND tag = $tag;";
        command.Parameters.AddWithValue("$name", name.Name);
        command.Parameters.AddWithValue("$tag", name.Tag);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ModelRows.Read(reader) : null;
    }

    /// <summary>Every registered model, ordered by name and tag.</summary>
    public IReadOnlyList<ModelEntry> List()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {ModelRows.Columns} FROM models ORDER BY name, tag;";
        using var reader = command.ExecuteReader();
        var result = new List<ModelEntry>();
        while (reader.Read())
        {
            result.Add(ModelRows.Read(reader));
        }

        return result;
    }

    /// <summary>
    /// Removes <c>name[:tag]</c>; deletes its blob when no other entry uses it. Returns false when
    /// no such entry exists. Throws <see cref="InvalidModelNameException"/> for an invalid name.
    /// </summary>
    public bool Remove(string name)
    {
        var parsed = ModelName.Parse(name);
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        string? sha256;
        using (var select = Command(connection, transaction, "SELECT sha256 FROM models WHERE name = $name AND tag = $tag;"))
        {
            select.Parameters.AddWithValue("$name", parsed.Name);
            select.Parameters.AddWithValue("$tag", parsed.Tag);
            sha256 = select.ExecuteScalar() as string;
        }

        if (sha256 is null)
        {
            return false;
        }

        using (var delete = Command(connection, transaction, "DELETE FROM models WHERE name = $name AND tag = $tag;"))
        {
            delete.Parameters.AddWithValue("$name", parsed.Name);
            delete.Parameters.AddWithValue("$tag", parsed.Tag);
            delete.ExecuteNonQuery();
        }

        // Deleting under the write lock: a concurrent Register of the same content waits for this
        // transaction and then finds the blob gone, so it moves its own copy into place.
        DeleteBlobIfUnused(connection, transaction, sha256);
        transaction.Commit();
        return true;
    }

    /// <summary>
    /// Registers the model <paramref name="source"/> (name or name:tag) under another name as well, sharing its blob
    /// (Ollama's <c>copy</c>): nothing is copied on disk, and removing either name keeps the other. An existing entry of
    /// the destination name is replaced. Throws <see cref="ModelNotFoundException"/> when no registered model has the
    /// source name, <see cref="InvalidModelNameException"/> for an invalid name.
    /// </summary>
    public ModelEntry Copy(string source, string destination)
    {
        var target = ModelName.Parse(destination);
        var entry = Find(ModelName.Parse(source)) ?? throw new ModelNotFoundException(source);
        return RegisterExistingBlob(target, entry.Sha256!, entry.Source);
    }

    /// <summary>
    /// Registers a local GGUF file as <paramref name="name"/>: validates it with the GGUF reader,
    /// copies it into the blob store (hashing on the way) and records it. An existing entry of the
    /// same name:tag is replaced.
    /// </summary>
    public ModelEntry CreateFromFile(string name, string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        return Register(name, full, source: full, expectedSha256: null, cancellationToken);
    }

    /// <summary>
    /// Copies <paramref name="file"/> into the store and registers it as <paramref name="name"/> with
    /// the given <paramref name="source"/> (URL or path). Throws <see cref="ChecksumMismatchException"/>
    /// when <paramref name="expectedSha256"/> is given and differs, GgufFormatException when the file
    /// is not GGUF; nothing is registered then.
    /// </summary>
    public ModelEntry Register(string name, string file, string source, string? expectedSha256 = null, CancellationToken cancellationToken = default)
    {
        var parsed = ModelName.Parse(name);
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"model file not found: {file}", file);
        }

        var summary = GgufSummary.Read(file); // before copying: a non-GGUF file fails fast
        var staged = blobs.StageCopy(file, cancellationToken);
        return Commit(parsed, staged, summary, source, expectedSha256);
    }

    /// <summary>Registers a file the caller already hashed (a finished download); the file is moved, not copied.</summary>
    internal ModelEntry RegisterStaged(ModelName name, StagedBlob staged, string source, string? expectedSha256)
    {
        GgufSummary summary;
        try
        {
            summary = GgufSummary.Read(staged.TempPath);
        }
        catch
        {
            DropStaged(staged);
            throw;
        }

        return Commit(name, staged, summary, source, expectedSha256);
    }

    /// <summary>Registers a blob that is already in the store (a re-pull of known content).</summary>
    internal ModelEntry RegisterExistingBlob(ModelName name, string sha256, string source)
    {
        var path = blobs.BlobPath(sha256);
        var staged = new StagedBlob(path, sha256, new FileInfo(path).Length, InPlace: true);
        return Commit(name, staged, GgufSummary.Read(path), source, sha256);
    }

    private ModelEntry Commit(ModelName name, StagedBlob staged, GgufSummary summary, string source, string? expectedSha256)
    {
        if (expectedSha256 is not null && !string.Equals(expectedSha256, staged.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            DropStaged(staged);
            throw new ChecksumMismatchException(source, expectedSha256.ToLowerInvariant(), staged.Sha256);
        }

        var entry = new ModelEntry
        {
            Name = name.Name,
            Tag = name.Tag,
            Path = blobs.BlobPath(staged.Sha256),
            Sha256 = staged.Sha256,
            Size = staged.Size,
            Architecture = summary.Architecture,
            FileType = summary.FileType,
            TypeMix = summary.TypeMix,
            Source = source,
            Added = Options.Clock.GetUtcNow(),
            IsRegistered = true,
        };

        try
        {
            using var connection = database.Open();
            using var transaction = connection.BeginTransaction(deferred: false);
            blobs.Commit(staged);
            string? previous;
            using (var select = Command(connection, transaction, "SELECT sha256 FROM models WHERE name = $name AND tag = $tag;"))
            {
                select.Parameters.AddWithValue("$name", entry.Name);
                select.Parameters.AddWithValue("$tag", entry.Tag);
                previous = select.ExecuteScalar() as string;
            }

            using (var upsert = Command(connection, transaction, $"INSERT OR REPLACE INTO models ({ModelRows.Columns}) VALUES ($name, $tag, $path, $sha256, $size, $architecture, $file_type, $type_mix, $source, $added_unix_ms);"))
            {
                ModelRows.Bind(upsert, entry);
                upsert.ExecuteNonQuery();
            }

            if (previous is not null && previous != entry.Sha256)
            {
                DeleteBlobIfUnused(connection, transaction, previous);
            }

            transaction.Commit();
            return entry;
        }
        finally
        {
            DropStaged(staged); // no-op once moved into place
        }
    }

    private static void DropStaged(StagedBlob staged)
    {
        if (!staged.InPlace)
        {
            BlobStore.TryDelete(staged.TempPath);
        }
    }

    private void DeleteBlobIfUnused(SqliteConnection connection, SqliteTransaction transaction, string sha256)
    {
        using var count = Command(connection, transaction, "SELECT COUNT(*) FROM models WHERE sha256 = $sha256;");
        count.Parameters.AddWithValue("$sha256", sha256);
        if (Convert.ToInt64(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            BlobStore.TryDelete(blobs.BlobPath(sha256));
        }
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static ModelEntry PathEntry(string path)
    {
        var full = Path.GetFullPath(path);
        var info = new FileInfo(full);
        return new ModelEntry
        {
            Name = full,
            Tag = string.Empty,
            Path = full,
            Size = info.Length,
            Source = full,
            Added = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero),
            IsRegistered = false,
        };
    }
}
