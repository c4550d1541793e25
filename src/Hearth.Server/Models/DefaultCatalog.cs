using Hearth.Store;

namespace Hearth.Server.Models;

/// <summary>The model store the server uses by default: Hearth.Store at HEARTH_HOME (or the given directory).</summary>
internal static class DefaultCatalog
{
    public static StoreCatalog Create(string? directory)
    {
        var options = new StoreOptions();
        if (directory is not null)
        {
            options.Home = directory;
        }

        return new StoreCatalog(ModelStore.Open(options));
    }
}
