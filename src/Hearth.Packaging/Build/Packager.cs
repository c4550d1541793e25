using Hearth.Packaging.Oci;
using Hearth.Packaging.Sources;
using Hearth.Packaging.Spec;
using Hearth.Store;

namespace Hearth.Packaging.Build;

/// <summary>
/// The whole <c>hearth pack build</c>: spec (or aikitfile) → verified model files → image set →
/// output. Sources are all resolved and checked before anything is written, so a bad sha256 or a
/// non-GGUF file pushes nothing.
/// </summary>
public sealed class Packager(ModelStore store, HttpClient http, PackOptions? options = null, PullOptions? pullOptions = null)
{
    public PackOptions Options { get; } = options ?? new PackOptions();

    /// <summary>Reads a hearth.pack.yaml, or converts an AIKit aikitfile (then <paramref name="import"/> says what was mapped and ignored).</summary>
    public static PackSpec LoadSpec(string path, out ImportReport? import)
    {
        import = null;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"spec file not found: {path}", path);
        }

        if (!AikitImporter.IsAikitfile(path))
        {
            return SpecParser.ParseFile(path);
        }

        var (yaml, report) = AikitImporter.Convert(path);
        import = report;
        var full = Path.GetFullPath(path);
        return SpecParser.Parse(new StringReader(yaml), full + " (converted from AIKit)", Path.GetDirectoryName(full)!);
    }

    public async Task<IReadOnlyList<ResolvedModel>> ResolveAsync(PackSpec spec, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        var resolver = new SourceResolver(store, http, pullOptions);
        var models = new List<ResolvedModel>();
        foreach (var model in spec.Models)
        {
            models.Add(await resolver.ResolveAsync(model, progress, cancellationToken).ConfigureAwait(false));
        }

        return models;
    }

    /// <summary>Resolves and checks every source, then builds the image and its SPDX SBOM (nothing is written yet).</summary>
    public async Task<BuildResult> BuildAsync(PackSpec spec, ImageSet runtime, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        var models = await ResolveAsync(spec, progress, cancellationToken).ConfigureAwait(false);
        var builder = new ModelImageBuilder(new LayerDigestCache(Path.Combine(Options.CacheDirectory, "layer-digests")));
        var image = await builder.BuildAsync(spec, models, runtime, Options.Epoch, cancellationToken).ConfigureAwait(false);
        var sbom = new BytesBlob(CanonicalJson.Serialize(Hearth.Packaging.Sbom.SpdxWriter.Create(spec, models, image, Options.Epoch)));
        return new BuildResult(image, sbom, models);
    }
}

/// <summary>A built image, its SBOM (exact bytes) and the verified model files it holds.</summary>
public sealed record BuildResult(ImageSet Image, BytesBlob Sbom, IReadOnlyList<ResolvedModel> Models)
{
    /// <summary>Attaches the SBOM as a referrer of the index; says whether the referrers fallback tag was needed.</summary>
    public Task<(string Digest, bool UsedFallbackTag)> AttachSbomAsync(IImageTarget target, DateTimeOffset epoch, CancellationToken cancellationToken) =>
        Hearth.Packaging.Sbom.Referrers.AttachAsync(target, Image.Index.Describe(MediaTypes.Index), Sbom, MediaTypes.Spdx, epoch, cancellationToken);
}
