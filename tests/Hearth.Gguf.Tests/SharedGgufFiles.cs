using Hearth.Testing;

namespace Hearth.Gguf.Tests;

/// <summary>Every GGUF file in the shared test data (models/ recursively, tokenizer/).</summary>
internal static class SharedGgufFiles
{
    public static IReadOnlyList<string> All { get; } =
        Directory.GetFiles(SharedData.Path("models"), "*.gguf", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(SharedData.Path("tokenizer"), "*.gguf"))
            .Order(StringComparer.Ordinal)
            .ToArray();

    public static TheoryData<string> Names() => NamesOf(All);

    /// <summary>Only the files under models/ (written by a current reference writer).</summary>
    public static TheoryData<string> ModelNames() =>
        NamesOf(All.Where(f => Path.GetRelativePath(SharedData.Dir, f).StartsWith("models", StringComparison.Ordinal)));

    /// <summary>Only the vocabulary files under tokenizer/ (written by an older reference writer).</summary>
    public static TheoryData<string> TokenizerNames() =>
        NamesOf(All.Where(f => Path.GetRelativePath(SharedData.Dir, f).StartsWith("tokenizer", StringComparison.Ordinal)));

    private static TheoryData<string> NamesOf(IEnumerable<string> files)
    {
        var data = new TheoryData<string>();
        foreach (var f in files)
        {
            data.Add(Path.GetRelativePath(SharedData.Dir, f));
        }

        return data;
    }
}
