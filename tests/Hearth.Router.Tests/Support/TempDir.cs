namespace Hearth.Router.Tests.Support;

/// <summary>A temporary folder deleted (with everything in it) on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = Directory.CreateTempSubdirectory("hearth-router-test-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // a handle still closing: the OS temp cleaner gets it
        }
    }
}
