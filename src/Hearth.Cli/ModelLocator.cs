using Hearth.Store;

namespace Hearth.Cli;

/// <summary>Turns what the user typed (a .gguf path or a store name like llama3:8b) into a file path.</summary>
internal static class ModelLocator
{
    public static string Resolve(string nameOrPath)
    {
        // A path never needs the store, so `hearth run file.gguf` leaves HEARTH_HOME untouched.
        if (File.Exists(nameOrPath))
        {
            return nameOrPath;
        }

        if (nameOrPath.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) || nameOrPath.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new FileNotFoundException($"No such model file: {nameOrPath}", nameOrPath);
        }

        return ModelStore.Open().Resolve(nameOrPath).Path;
    }
}
