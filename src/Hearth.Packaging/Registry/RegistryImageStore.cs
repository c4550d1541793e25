using Hearth.Packaging.Oci;
using Hearth.Packaging.Sbom;

namespace Hearth.Packaging.Registry;

/// <summary>
/// One repository of a registry as an image target and source. Before uploading a blob it asks
/// whether the repository has it (HEAD) and then tries to mount it from <see cref="MountFrom"/>
/// repositories of the same registry, so shared layers are never sent twice.
/// </summary>
public sealed class RegistryImageStore(RegistryClient client, string repository) : IImageTarget, IImageSource, IReferrersTarget, IReferrersSource
{
    public IList<string> MountFrom { get; } = [];

    public string Repository { get; } = repository;

    public RegistryClient Client { get; } = client;

    public async Task<bool> HasBlobAsync(string digest, CancellationToken cancellationToken)
    {
        if (await Client.HasBlobAsync(Repository, digest, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        foreach (var from in MountFrom.Where(f => f != Repository))
        {
            if (await Client.TryMountAsync(Repository, digest, from, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }

        return false;
    }

    public Task PutBlobAsync(Blob blob, CancellationToken cancellationToken) => Client.UploadBlobAsync(Repository, blob, cancellationToken);

    public Task PutManifestAsync(BytesBlob manifest, string mediaType, string? tag, CancellationToken cancellationToken) =>
        Client.PutManifestAsync(Repository, tag ?? manifest.Digest, manifest, mediaType, cancellationToken);

    public async Task<bool> PutReferrerAsync(BytesBlob manifest, string mediaType, string subjectDigest, CancellationToken cancellationToken) =>
        await Client.PutManifestAsync(Repository, manifest.Digest, manifest, mediaType, cancellationToken).ConfigureAwait(false) == subjectDigest;

    public Task<System.Text.Json.Nodes.JsonObject?> GetReferrersAsync(string subjectDigest, string? artifactType, CancellationToken cancellationToken) =>
        Client.GetReferrersAsync(Repository, subjectDigest, artifactType, cancellationToken);

    public Task<(BytesBlob Manifest, string MediaType)> GetManifestAsync(string reference, CancellationToken cancellationToken) =>
        Client.GetManifestAsync(Repository, reference, cancellationToken);

    public Task<Blob> GetBlobAsync(Descriptor descriptor, CancellationToken cancellationToken) =>
        Task.FromResult<Blob>(new RegistryBlob(Client, Repository, descriptor));

    /// <summary>A blob read from the registry when written somewhere (streamed, digest-checked).</summary>
    private sealed class RegistryBlob(RegistryClient client, string repository, Descriptor descriptor) : Blob
    {
        public override string Digest => descriptor.Digest;

        public override long Size => descriptor.Size;

        public override Task CopyToAsync(Stream destination, CancellationToken cancellationToken) =>
            client.GetBlobAsync(repository, descriptor.Digest, destination, cancellationToken);
    }
}
