using Hearth.Server.Inference;

namespace Hearth.Server.Tests.Support;

/// <summary>Which model loader the HTTP tests use: null = the server's default, Hearth.Engine, on the real tiny model.</summary>
internal static class ServerModels
{
    public static IInferenceModelLoader? Loader() => null;
}
