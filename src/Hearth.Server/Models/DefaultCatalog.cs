namespace Hearth.Server.Models;

/// <summary>The model store the server uses by default (Hearth.Store once it lands).</summary>
internal static class DefaultCatalog
{
    public static IModelCatalog? Create(string? directory)
    {
        _ = directory;
        return null;
    }
}
