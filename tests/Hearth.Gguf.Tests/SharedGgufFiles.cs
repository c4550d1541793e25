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

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var f in All)
        {
            data.Add(Path.GetRelativePath(SharedData.Dir, f));
        }

        return data;
    }
}
