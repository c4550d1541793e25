using Hearth.Packaging.Oci;
using Hearth.Packaging.Registry;

namespace Hearth.Packaging.Build;

/// <summary>Reads and writes image sets at an <see cref="ImageLocation"/>, whatever its kind.</summary>
public sealed class ImageIo(HttpClient http, string cacheDirectory, RegistryOptions? registryOptions = null)
{
    /// <summary>Registry clients, one per registry, so auth tokens and upload counters are shared.</summary>
    private readonly Dictionary<string, RegistryClient> clients = new(StringComparer.Ordinal);

    public RegistryClient Client(string registry)
    {
        if (!clients.TryGetValue(registry, out var client))
        {
            var options = registryOptions ?? new RegistryOptions();
            options.UploadStateDirectory ??= Path.Combine(cacheDirectory, "uploads");
            client = clients[registry] = new RegistryClient(http, registry, RegistryCredentials.FromEnvironment(registry), options);
        }

        return client;
    }

    public async Task<ImageSet> ReadAsync(ImageLocation location, CancellationToken cancellationToken)
    {
        switch (location.Kind)
        {
            case ImageLocationKind.OciLayout:
                return await ImageReader.ReadAsync(new OciLayout(location.Path, create: false), location.Tag ?? ImageLocation.DefaultTag, cancellationToken).ConfigureAwait(false);
            case ImageLocationKind.Registry:
                var reference = location.Reference!;
                var store = new RegistryImageStore(Client(reference.Registry), reference.Repository);
                return await ImageReader.ReadAsync(store, reference.ManifestReference, cancellationToken).ConfigureAwait(false);
            default:
                throw new NotSupportedException("reading docker-archive files is not supported; load them into a registry or use oci: layouts");
        }
    }

    /// <summary>The target behind an OCI layout or registry location (null for docker archives, which hold no referrers).</summary>
    public IImageTarget? OpenTarget(ImageLocation location) => location.Kind switch
    {
        ImageLocationKind.OciLayout => new OciLayout(location.Path, create: true),
        ImageLocationKind.Registry => new RegistryImageStore(Client(location.Reference!.Registry), location.Reference.Repository),
        _ => null,
    };

    /// <summary>The source behind an OCI layout or registry location.</summary>
    public IImageSource OpenSource(ImageLocation location) => location.Kind switch
    {
        ImageLocationKind.OciLayout => new OciLayout(location.Path, create: false),
        ImageLocationKind.Registry => new RegistryImageStore(Client(location.Reference!.Registry), location.Reference.Repository),
        _ => throw new NotSupportedException("reading docker-archive files is not supported; use oci: layouts or a registry"),
    };

    /// <summary>Writes <paramref name="set"/>; a docker archive gets <paramref name="archivePlatform"/> (one image per archive).</summary>
    public async Task<ImageWriter.Result> WriteAsync(ImageSet set, ImageLocation location, Platform? archivePlatform, IEnumerable<string>? mountFrom,
        CancellationToken cancellationToken)
    {
        switch (location.Kind)
        {
            case ImageLocationKind.OciLayout:
                return await ImageWriter.WriteAsync(set, new OciLayout(location.Path, create: true), location.Tag ?? ImageLocation.DefaultTag, cancellationToken).ConfigureAwait(false);
            case ImageLocationKind.DockerArchive:
                await DockerArchive.WriteAsync(set, archivePlatform ?? set.Images[0].Platform, location.Path, location.Tag, cancellationToken).ConfigureAwait(false);
                return new ImageWriter.Result(set.Digest, set.Blobs().Count(), 0, set.Blobs().Sum(b => b.Size));
            default:
                var reference = location.Reference!;
                var client = Client(reference.Registry);
                await client.PingAsync(cancellationToken).ConfigureAwait(false);
                var store = new RegistryImageStore(client, reference.Repository);
                foreach (var from in mountFrom ?? [])
                {
                    store.MountFrom.Add(from);
                }

                return await ImageWriter.WriteAsync(set, store, reference.Digest is null ? reference.Tag ?? ImageLocation.DefaultTag : null, cancellationToken).ConfigureAwait(false);
        }
    }
}
