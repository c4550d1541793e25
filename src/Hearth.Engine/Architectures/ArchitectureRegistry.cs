namespace Hearth.Engine.Architectures;

/// <summary>The architectures this engine runs, by general.architecture name.</summary>
internal static class ArchitectureRegistry
{
    private static readonly IArchitecture[] All =
    [
        new LlamaArchitecture(), new Qwen2Architecture(), new Qwen3Architecture(), new Qwen3MoeArchitecture(),
        new Gemma2Architecture(), new Gemma3Architecture(), new Phi3Architecture(),
    ];

    public static IEnumerable<string> Names => All.Select(a => a.Name);

    public static IArchitecture? Find(string name) => All.FirstOrDefault(a => a.Name == name);
}
