namespace Hearth.Server.Inference;

/// <summary>Loads models with Hearth.Engine.</summary>
internal sealed class EngineModelLoader : IInferenceModelLoader
{
    public IInferenceModel Load(string path, ModelLoadSettings settings) =>
        throw new NotSupportedException("Hearth.Engine has not landed yet: models cannot be loaded by this build.");
}
