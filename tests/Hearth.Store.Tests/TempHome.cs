using Microsoft.Extensions.Time.Testing;

namespace Hearth.Store.Tests;

/// <summary>A fresh HEARTH_HOME under the temp folder with a fake clock; deleted on dispose.</summary>
internal sealed class TempHome : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    public TempHome()
    {
        Dir = Path.Combine(Path.GetTempPath(), "hearth-store-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
    }

    public string Dir { get; }

    public FakeTimeProvider Clock { get; } = new(Start);

    public StoreOptions Options => new() { Home = Dir, Clock = Clock };

    public ModelStore Open() => ModelStore.Open(Options);

    /// <summary>A scratch file path inside the home's parent (outside the store layout).</summary>
    public string Scratch(string name)
    {
        var dir = Path.Combine(Dir, "scratch");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
