using Hearth.Packaging.Spec;

namespace Hearth.Packaging.Sources;

/// <summary>A model file on local disk whose sha256 has been checked against the spec and which is a GGUF file.</summary>
public sealed record ResolvedModel(ModelSpec Spec, string Path, long Size);
