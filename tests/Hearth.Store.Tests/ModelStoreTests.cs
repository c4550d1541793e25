using System.Security.Cryptography;
using Hearth.Gguf;
using Hearth.Testing;
using Microsoft.Data.Sqlite;

namespace Hearth.Store.Tests;

public sealed class ModelStoreTests : IDisposable
{
    private static readonly string Tiny = SharedData.Model("llama-2-tiny-random.gguf");
    private static readonly string Q40 = SharedData.ReferenceModel("llama-spm-q4_0.gguf");
    private static readonly string QwenQ4KM = SharedData.ReferenceModel("qwen2-bpe-q4_k_m.gguf");

    private readonly TempHome home = new();

    public void Dispose() => home.Dispose();

    [Fact]
    public void Open_creates_the_registry_in_wal_mode_at_the_current_schema_version()
    {
        var store = home.Open();

        Assert.Equal(Path.Combine(home.Dir, "registry.db"), store.RegistryPath);
        Assert.True(Directory.Exists(Path.Combine(home.Dir, "models", "blobs")));
        using var connection = new SqliteConnection($"Data Source={store.RegistryPath};Pooling=False");
        connection.Open();
        Assert.Equal(1L, Scalar(connection, "PRAGMA user_version;"));
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode;"));
        Assert.Equal(0L, Scalar(connection, "SELECT COUNT(*) FROM models;"));
    }

    [Fact]
    public void Reopening_keeps_entries_and_does_not_migrate_again()
    {
        home.Open().CreateFromFile("tiny", Tiny);
        var reopened = home.Open();
        Assert.Single(reopened.List());
        Assert.Equal("tiny", reopened.List()[0].Name);
    }

    [Fact]
    public void Open_refuses_a_registry_from_a_newer_schema()
    {
        home.Open();
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(home.Dir, "registry.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99;";
            command.ExecuteNonQuery();
        }

        var ex = Assert.Throws<RegistrySchemaException>(() => home.Open());
        Assert.Equal(99, ex.Version);
    }

    [Fact]
    public void CreateFromFile_copies_into_a_content_addressed_blob_and_records_the_gguf_summary()
    {
        var store = home.Open();
        home.Clock.Advance(TimeSpan.FromMinutes(5));

        var entry = store.CreateFromFile("Tiny:Test", Tiny);

        var expectedSha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Tiny)));
        Assert.Equal("tiny", entry.Name);
        Assert.Equal("test", entry.Tag);
        Assert.Equal("tiny:test", entry.FullName);
        Assert.Equal(expectedSha, entry.Sha256);
        Assert.Equal(Path.Combine(home.Dir, "models", "blobs", "sha256-" + expectedSha), entry.Path);
        Assert.Equal(File.ReadAllBytes(Tiny), File.ReadAllBytes(entry.Path));
        Assert.Equal(new FileInfo(Tiny).Length, entry.Size);
        Assert.Equal(Path.GetFullPath(Tiny), entry.Source);
        Assert.Equal(TempHome.Start.AddMinutes(5), entry.Added);
        Assert.True(entry.IsRegistered);

        using var gguf = GgufFile.Open(Tiny);
        Assert.Equal(gguf.Metadata.GetString("general.architecture"), entry.Architecture);
        Assert.Equal(gguf.Tensors.Count, entry.TypeMix.Values.Sum(s => s.Tensors));
        Assert.Equal(gguf.Tensors.Sum(t => t.ByteSize), entry.TypeMix.Values.Sum(s => s.Bytes));
        foreach (var group in gguf.Tensors.GroupBy(t => t.Type))
        {
            Assert.Equal(group.Count(), entry.TypeMix[group.Key.ToString()].Tensors);
        }

        // Nothing left behind but the blob.
        Assert.Equal(["sha256-" + expectedSha], Directory.GetFiles(store.BlobsDirectory).Select(Path.GetFileName));

        // What the registry returns equals what CreateFromFile returned.
        var found = store.Resolve("tiny:test");
        Assert.Equal(entry.Sha256, found.Sha256);
        Assert.Equal(entry.Added, found.Added);
        Assert.Equal(entry.TypeMix, found.TypeMix);
        Assert.Equal(entry.Architecture, found.Architecture);
    }

    [Fact]
    public void The_file_type_is_read_from_general_file_type()
    {
        var entry = home.Open().CreateFromFile("qwen", QwenQ4KM);
        Assert.Equal("qwen2", entry.Architecture);
        Assert.Equal("Q4_K_M", entry.FileType);
        Assert.Equal("Q4_K_M", entry.DisplayType);
        Assert.Contains("Q4_K", entry.TypeMix.Keys);
        Assert.Contains("Q6_K", entry.TypeMix.Keys);
    }

    [Fact]
    public void TryResolve_accepts_name_name_tag_any_case_and_existing_paths()
    {
        var store = home.Open();
        store.CreateFromFile("tiny", Tiny);

        Assert.Equal("tiny", store.TryResolve("tiny")?.Name);
        Assert.Equal("tiny", store.TryResolve("TINY:latest")?.Name);
        Assert.Null(store.TryResolve("tiny:other"));
        Assert.Null(store.TryResolve("unknown"));
        Assert.Null(store.TryResolve("/no/such/file.gguf"));
        Assert.Null(store.TryResolve(""));
        Assert.Null(store.TryResolve("  "));
        Assert.Null(store.TryResolve("bad name:x:y"));

        var byPath = store.TryResolve(Q40);
        Assert.NotNull(byPath);
        Assert.False(byPath.IsRegistered);
        Assert.Equal(Path.GetFullPath(Q40), byPath.Path);
        Assert.Equal(Path.GetFullPath(Q40), byPath.FullName);
        Assert.Equal(new FileInfo(Q40).Length, byPath.Size);
        Assert.Null(byPath.Sha256);

        var ex = Assert.Throws<ModelNotFoundException>(() => store.Resolve("nope:v1"));
        Assert.Equal("nope:v1", ex.NameOrPath);
        Assert.Contains("nope:v1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void List_is_ordered_by_name_and_tag()
    {
        var store = home.Open();
        store.CreateFromFile("b", Tiny);
        store.CreateFromFile("a:2", Q40);
        store.CreateFromFile("a:1", Tiny);

        Assert.Equal(["a:1", "a:2", "b:latest"], store.List().Select(e => e.FullName));
    }

    [Fact]
    public void Remove_deletes_the_blob_only_when_no_other_entry_uses_it()
    {
        var store = home.Open();
        var first = store.CreateFromFile("one", Tiny);
        var second = store.CreateFromFile("two", Tiny);
        Assert.Equal(first.Path, second.Path);

        Assert.True(store.Remove("one"));
        Assert.True(File.Exists(first.Path));
        Assert.Null(store.TryResolve("one"));

        Assert.True(store.Remove("TWO:latest"));
        Assert.False(File.Exists(first.Path));
        Assert.Empty(store.List());

        Assert.False(store.Remove("two"));
        Assert.Throws<InvalidModelNameException>(() => store.Remove("bad name"));
    }

    [Fact]
    public void Copy_registers_a_second_name_on_the_same_blob_that_outlives_the_source()
    {
        var store = home.Open();
        var original = store.CreateFromFile("orig:v1", Tiny);
        var copy = store.Copy("ORIG:v1", "copy");

        Assert.Equal("copy:latest", copy.FullName);
        Assert.Equal(original.Path, copy.Path);
        Assert.Equal(original.Sha256, copy.Sha256);
        Assert.Equal(original.Architecture, copy.Architecture);
        Assert.Equal(original.Source, copy.Source);
        Assert.Equal(2, store.List().Count);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(original.Path)!));

        Assert.True(store.Remove("orig:v1"));
        Assert.True(File.Exists(copy.Path));
        Assert.Equal(copy.Path, store.Resolve("copy").Path);

        Assert.Throws<ModelNotFoundException>(() => store.Copy("orig:v1", "other"));
        Assert.Throws<InvalidModelNameException>(() => store.Copy("copy", "bad name"));
        Assert.Single(store.List());
    }

    [Fact]
    public void Re_registering_a_name_with_other_content_replaces_it_and_drops_the_orphaned_blob()
    {
        var store = home.Open();
        var old = store.CreateFromFile("m", Tiny);
        var replaced = store.CreateFromFile("m", Q40);

        Assert.NotEqual(old.Sha256, replaced.Sha256);
        Assert.False(File.Exists(old.Path));
        Assert.True(File.Exists(replaced.Path));
        Assert.Equal(replaced.Sha256, Assert.Single(store.List()).Sha256);
    }

    [Fact]
    public void A_non_gguf_file_is_rejected_and_nothing_is_registered()
    {
        var store = home.Open();
        var text = home.Scratch("notes.gguf");
        File.WriteAllText(text, "this is not a model file, just some text long enough to not be empty");

        Assert.Throws<GgufFormatException>(() => store.CreateFromFile("notes", text));

        Assert.Empty(store.List());
        Assert.Empty(Directory.GetFiles(store.BlobsDirectory));
    }

    [Fact]
    public void A_missing_file_is_a_file_not_found_error()
    {
        var store = home.Open();
        var ex = Assert.Throws<FileNotFoundException>(() => store.CreateFromFile("x", home.Scratch("absent.gguf")));
        Assert.EndsWith("absent.gguf", ex.FileName, StringComparison.Ordinal);
    }

    [Fact]
    public void Register_with_a_wrong_sha256_removes_the_copy_and_registers_nothing()
    {
        var store = home.Open();
        var wrong = new string('0', 64);

        var ex = Assert.Throws<ChecksumMismatchException>(() => store.Register("tiny", Tiny, "test-source", wrong));

        Assert.Equal(wrong, ex.Expected);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Tiny))), ex.Actual);
        Assert.Empty(store.List());
        Assert.Empty(Directory.GetFiles(store.BlobsDirectory));
    }

    [Fact]
    public void Concurrent_opens_of_a_fresh_home_all_succeed()
    {
        var stores = new ModelStore[8];
        Parallel.For(0, stores.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => stores[i] = home.Open());
        Assert.All(stores, s => Assert.Empty(s.List()));
    }

    [Fact]
    public void Concurrent_registers_and_removes_from_separate_stores_stay_consistent()
    {
        home.Open();
        const int workers = 6;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, i =>
        {
            // Each worker has its own store object (own connections), like separate processes.
            var store = home.Open();
            store.CreateFromFile($"keep-{i}", Tiny);
            store.CreateFromFile($"drop-{i}", i % 2 == 0 ? Tiny : Q40);
            _ = store.List();
            Assert.True(store.Remove($"drop-{i}"));
        });

        var final = home.Open();
        Assert.Equal(Enumerable.Range(0, workers).Select(i => $"keep-{i}:latest").Order(StringComparer.Ordinal), final.List().Select(e => e.FullName));
        var tinyBlob = final.Resolve("keep-0").Path;
        Assert.True(File.Exists(tinyBlob));
        Assert.Equal(File.ReadAllBytes(Tiny), File.ReadAllBytes(tinyBlob));
        // The Q4_0 content was only ever used by removed entries: its blob is gone, and no temp files remain.
        Assert.Equal([Path.GetFileName(tinyBlob)], Directory.GetFiles(final.BlobsDirectory).Select(Path.GetFileName));
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
