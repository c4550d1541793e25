namespace Hearth.Testing;

/// <summary>
/// Locates the read-only test data folder (../shared from the repo root, or $HEARTH_SHARED).
/// Tests read it in place; nothing from it is ever copied into the repository.
/// </summary>
internal static class SharedData
{
    private static readonly Lazy<string> Root = new(Locate);

    public static string Dir => Root.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Dir, .. parts]);

    public static string Model(string name) => Path("models", name);

    public static string ReferenceModel(string name) => Path("models", "reference", name);

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Hearth.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new DirectoryNotFoundException("Could not find the repository root (Hearth.slnx) above " + AppContext.BaseDirectory);
        }
    }

    private static string Locate()
    {
        var env = Environment.GetEnvironmentVariable("HEARTH_SHARED");
        var dir = string.IsNullOrEmpty(env) ? System.IO.Path.GetFullPath(System.IO.Path.Combine(RepoRoot, "..", "shared")) : env;
        if (!Directory.Exists(System.IO.Path.Combine(dir, "models")))
        {
            throw new DirectoryNotFoundException(
                $"Shared test data not found at '{dir}'. Set HEARTH_SHARED to the folder holding models/, reference/, tokenizer/.");
        }

        return dir;
    }
}
