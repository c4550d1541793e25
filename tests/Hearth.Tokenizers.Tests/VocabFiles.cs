using System.Collections.Concurrent;
using Hearth.Testing;

namespace Hearth.Tokenizers.Tests;

/// <summary>Loads the shared vocabulary files once per test run.</summary>
internal static class VocabFiles
{
    private static readonly ConcurrentDictionary<string, Tokenizer> Loaded = new();

    public static Tokenizer Get(string name) => Loaded.GetOrAdd(name, n => Tokenizer.FromGgufFile(PathOf(n)));

    public static string PathOf(string name) =>
        name.StartsWith("vocab-", StringComparison.Ordinal) ? SharedData.ReferenceModel(name + ".gguf") : SharedData.Path("tokenizer", "ggml-vocab-" + name + ".gguf");

    /// <summary>The .inp/.out pairs: test strings and their expected ids (no BOS/EOS, specials not parsed).</summary>
    public static IEnumerable<(string Text, int[] Ids)> Vectors(string name)
    {
        var basePath = PathOf(name);
        var inp = File.ReadAllText(basePath + ".inp");
        var outLines = File.ReadAllLines(basePath + ".out");
        var texts = inp.Split("\n__ggml_vocab_test__\n");
        // The file ends with a separator line; the text after it is empty.
        var count = outLines.Length;
        for (var i = 0; i < count; i++)
        {
            var ids = outLines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
            yield return (texts[i], ids);
        }
    }
}
