using Hearth.Server.Inference;

namespace Hearth.Server.Tests.Support;

/// <summary>Which model loader the HTTP tests use: the engine (null = the server's default) once it can load the tiny model.</summary>
internal static class ServerModels
{
    public static IInferenceModelLoader? Loader() => new ScriptedModel();
}
