using Hearth.Instances.Model;
using Hearth.Instances.State;
using Hearth.Instances.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Hearth.Instances.Tests.State;

public sealed class MigrationTests
{
    public static TheoryData<int> EarlierVersions()
    {
        var data = new TheoryData<int>();
        for (var v = 1; v < Migrations.Latest; v++)
        {
            data.Add(v);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EarlierVersions))]
    public void A_database_of_every_earlier_version_migrates_keeping_its_data_and_a_backup(int version)
    {
        using var home = new TempHome();
        var path = Path.Combine(home.Path, "instances.db");
        using (var old = InstanceDatabase.Open(path, targetVersion: version))
        {
            Assert.Equal(version, old.Version);
            // Rows written the way that version's schema allows.
            old.Execute("INSERT INTO instances(name, spec, created) VALUES('web', $s, '2026-01-01T00:00:00Z')",
                ("$s", SpecJson.Serialize(new InstanceSpec { Name = "web", Command = "serve $PORT" })));
        }

        using var db = InstanceDatabase.Open(path);
        Assert.Equal(Migrations.Latest, db.Version);
        var (spec, desired) = Assert.Single(db.List());
        Assert.Equal("serve $PORT", spec.Command);
        Assert.Equal(DesiredState.Stopped, desired);
        Assert.NotNull(db.BackupPath);
        Assert.True(File.Exists(db.BackupPath));
        using var backup = new SqliteConnection($"Data Source={db.BackupPath};Pooling=false");
        backup.Open();
        using var cmd = backup.CreateCommand();
        cmd.CommandText = "PRAGMA user_version";
        Assert.Equal(version, Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
        db.SaveProcess(new ProcessRecord("web", 123, 123, 456, 20001, 1, DateTimeOffset.UnixEpoch));
        Assert.Equal(20001, Assert.Single(db.Processes()).Port);
    }

    [Fact]
    public void A_new_database_is_wal_and_current_without_a_backup()
    {
        using var home = new TempHome();
        using var db = InstanceDatabase.Open(Path.Combine(home.Path, "instances.db"));
        Assert.Equal(Migrations.Latest, db.Version);
        Assert.Equal("wal", db.Scalar("PRAGMA journal_mode"));
        Assert.Null(db.BackupPath);
    }

    [Fact]
    public void Duplicates_unknown_names_and_newer_schemas_are_typed_errors()
    {
        using var home = new TempHome();
        var path = Path.Combine(home.Path, "instances.db");
        using (var db = InstanceDatabase.Open(path))
        {
            db.Insert(new InstanceSpec { Name = "a", Command = "x" }, DesiredState.Running);
            Assert.Throws<DuplicateInstanceException>(() => db.Insert(new InstanceSpec { Name = "a", Command = "y" }, DesiredState.Stopped));
            Assert.Throws<InstanceNotFoundException>(() => db.Update(new InstanceSpec { Name = "b", Command = "y" }));
            Assert.Equal(DesiredState.Running, db.List()[0].Desired);
            db.Execute("PRAGMA user_version = 99");
        }

        Assert.Throws<InvalidDataException>(() => InstanceDatabase.Open(path));
    }
}
