using Hearth.Router.Access;
using Hearth.Router.Registry;
using Hearth.Router.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Hearth.Router.Tests.Registry;

public sealed class RouterDatabaseTests : IDisposable
{
    private readonly TempDir dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void New_database_is_at_the_latest_version_in_WAL_mode_and_private_to_its_owner()
    {
        var db = RouterDatabase.Open(dir.File("sub/router.db"));

        Assert.Equal(RouterSchema.Latest, db.SchemaVersion());
        using var connection = db.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string)command.ExecuteScalar()!);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(db.Path));
        }
    }

    public static TheoryData<int> EarlierVersions()
    {
        var data = new TheoryData<int>();
        for (var v = 0; v < RouterSchema.Latest; v++)
        {
            data.Add(v);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EarlierVersions))]
    public void Every_earlier_version_migrates_to_the_latest_and_keeps_its_rows(int from)
    {
        var path = dir.File($"v{from}.db");
        var old = RouterDatabase.Create(path);
        old.Migrate(from);
        Assert.Equal(from, old.SchemaVersion());
        if (from >= 1)
        {
            Exec(old, "INSERT INTO settings (name, value) VALUES ('probe', x'01');");
        }

        if (from >= 2)
        {
            Exec(old, "INSERT INTO backends VALUES ('b1', 'http://127.0.0.1:9/', 'openai', NULL, NULL, 'local', 1, 8, 0);");
        }

        if (from >= 3)
        {
            Exec(old, "INSERT INTO model_aliases VALUES ('chat', 'b1', 'llama', 0);");
        }

        var db = RouterDatabase.Open(path);

        Assert.Equal(RouterSchema.Latest, db.SchemaVersion());
        var snapshot = new SqliteRouterRegistry(db, TimeProvider.System).Current;
        Assert.Equal(from >= 2 ? 1 : 0, snapshot.Backends.Count);
        Assert.Equal(from >= 3 ? 1 : 0, snapshot.Aliases.Count);
        // and the newest tables work
        var created = new KeyStore(db, TimeProvider.System).Create(new KeySpec(Rpm: 5));
        Assert.Single(new KeyStore(db, TimeProvider.System).List(), k => k.Id == created.Key.Id);
    }

    [Fact]
    public void Migrating_twice_is_a_no_op()
    {
        var path = dir.File("twice.db");
        RouterDatabase.Open(path);
        var db = RouterDatabase.Open(path);
        Assert.Equal(RouterSchema.Latest, db.SchemaVersion());
    }

    [Fact]
    public void A_database_from_a_newer_hearth_is_refused_with_both_versions()
    {
        var path = dir.File("newer.db");
        var db = RouterDatabase.Open(path);
        Exec(db, "UPDATE schema_version SET version = 999;");

        var ex = Assert.Throws<RouterSchemaException>(() => RouterDatabase.Open(path));
        Assert.Equal(999, ex.Found);
        Assert.Equal(RouterSchema.Latest, ex.Supported);
    }

    [Fact]
    public void The_key_secret_is_made_once_and_shared_by_every_opener()
    {
        var path = dir.File("secret.db");
        var a = RouterDatabase.Open(path).KeySecret();
        var b = RouterDatabase.Open(path).KeySecret();
        Assert.Equal(32, a.Length);
        Assert.Equal(a, b);
    }

    [Fact]
    public void ResolvePath_prefers_the_explicit_path()
    {
        Assert.Equal(dir.File("x.db"), RouterDatabase.ResolvePath(dir.File("x.db")));
        Assert.EndsWith(".db", RouterDatabase.ResolvePath(null), StringComparison.Ordinal);
    }

    private static void Exec(RouterDatabase db, string sql)
    {
        using var connection = db.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
        SqliteConnection.ClearAllPools();
    }
}
