using Hearth.Store;

namespace Hearth.Packaging.Build;

/// <summary>Settings of <see cref="Packager"/>.</summary>
public sealed class PackOptions
{
    /// <summary>Packager cache (layer digests, the default runtime image): <c>$HEARTH_HOME/pack</c>.</summary>
    public string CacheDirectory { get; set; } = Path.Combine(StoreOptions.DefaultHome(), "pack");

    /// <summary>Every timestamp in the image: <c>SOURCE_DATE_EPOCH</c> when set, else 1970-01-01 (reproducible builds).</summary>
    public DateTimeOffset Epoch { get; set; } = Oci.TarLayer.SourceDateEpoch();

    /// <summary>Where the runtime image comes from when the spec pins none: <c>oci:$cache/runtime:latest</c>, made by <c>hearth pack runtime</c>.</summary>
    public string DefaultRuntime => "oci:" + Path.Combine(CacheDirectory, "runtime") + ":latest";
}
