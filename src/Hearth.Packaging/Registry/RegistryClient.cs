using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Hearth.Packaging.Oci;

namespace Hearth.Packaging.Registry;

/// <summary>
/// An OCI distribution-spec client on <see cref="HttpClient"/>: ping, auth (anonymous, Basic,
/// Bearer tokens from the <c>WWW-Authenticate</c> challenge), blob HEAD/GET, cross-repository
/// mount, chunked uploads that resume after an interruption, and manifest GET/PUT with the exact
/// bytes that were hashed. One instance talks to one registry.
/// </summary>
public sealed partial class RegistryClient
{
    private readonly HttpClient http;
    private readonly RegistryOptions options;
    private readonly TokenAuthenticator auth;
    private readonly Uri baseUri;

    public RegistryClient(HttpClient http, string registry, RegistryCredentials? credentials = null, RegistryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        this.http = http;
        this.options = options ?? new RegistryOptions();
        Registry = registry;
        var host = registry.Split(':')[0];
        var plain = this.options.PlainHttp ?? host is "127.0.0.1" or "localhost" or "[::1]";
        baseUri = new Uri((plain ? "http://" : "https://") + (registry == ImageReference.DockerHub ? registry : registry) + "/");
        auth = new TokenAuthenticator(http, registry, credentials);
    }

    public string Registry { get; }

    /// <summary>Bytes of blob content this client has uploaded (a second push of an unchanged model adds nothing here).</summary>
    public long BytesUploaded { get; private set; }

    /// <summary><c>GET /v2/</c>: reachable, speaks the distribution API, and accepts our credentials.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Url("v2/")), cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, "ping", cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> HasBlobAsync(string repository, string digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, Url($"v2/{repository}/blobs/{digest}")), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureAsync(response, "blob check", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Asks the registry to link a blob it holds in <paramref name="fromRepository"/>; true when it did (no bytes sent).</summary>
    public async Task<bool> TryMountAsync(string repository, string digest, string fromRepository, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post,
            Url($"v2/{repository}/blobs/uploads/?mount={Uri.EscapeDataString(digest)}&from={Uri.EscapeDataString(fromRepository)}")), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            return true;
        }

        if (response.StatusCode == HttpStatusCode.Accepted && response.Headers.Location is { } location)
        {
            // Mount refused, an upload session opened instead: cancel it, the normal upload opens its own.
            using var cancel = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, Resolve(location)), cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    /// <summary>PUTs a manifest; returns the registry's <c>OCI-Subject</c> header (OCI 1.1: set by a registry that indexed the
    /// manifest's <c>subject</c> for the referrers API), null when it sent none.</summary>
    public async Task<string?> PutManifestAsync(string repository, string reference, BytesBlob manifest, string mediaType, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, Url($"v2/{repository}/manifests/{reference}"))
            {
                Content = new ByteArrayContent(manifest.Bytes), // exactly the bytes that were hashed
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return request;
        }, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, $"manifest upload {repository}:{reference}", cancellationToken).ConfigureAwait(false);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } echoed && echoed != manifest.Digest)
        {
            throw new RegistryException($"registry stored manifest {repository}:{reference} as {echoed}, not {manifest.Digest}", response.StatusCode);
        }

        return response.Headers.TryGetValues("OCI-Subject", out var subject) ? subject.FirstOrDefault() : null;
    }

    public async Task<(BytesBlob Manifest, string MediaType)> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, Url($"v2/{repository}/manifests/{reference}"));
            foreach (var type in MediaTypes.ManifestAccept)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            }

            return request;
        }, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new KeyNotFoundException($"{Registry}/{repository}:{reference} not found");
        }

        await EnsureAsync(response, $"manifest {repository}:{reference}", cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var blob = new BytesBlob(bytes);
        if (Digest.IsValid(reference) && blob.Digest != reference)
        {
            throw new InvalidDataException($"manifest {reference} from {Registry} does not match its digest ({blob.Digest})");
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType ?? (string?)JsonNode.Parse(bytes)?["mediaType"] ?? MediaTypes.Manifest;
        return (blob, mediaType);
    }

    /// <summary>Streams a blob into <paramref name="destination"/> and checks its digest.</summary>
    public async Task GetBlobAsync(string repository, string digest, Stream destination, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Url($"v2/{repository}/blobs/{digest}")), cancellationToken,
            HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        await EnsureAsync(response, $"blob {digest}", cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            var check = new HashingStream(destination);
            await using (check.ConfigureAwait(false))
            {
                await body.CopyToAsync(check, 1 << 20, cancellationToken).ConfigureAwait(false);
                if (check.Digest() != digest)
                {
                    throw new InvalidDataException($"blob {digest} from {Registry} does not match its digest ({check.Digest()})");
                }
            }
        }
    }

    /// <summary>The referrers API (<c>GET /v2/&lt;repo&gt;/referrers/&lt;digest&gt;[?artifactType=]</c>): an image index; null when the
    /// registry has none (a registry with the API answers 200 even for a subject without referrers, so 404 means "no API").</summary>
    public async Task<JsonObject?> GetReferrersAsync(string repository, string digest, string? artifactType, CancellationToken cancellationToken)
    {
        var query = artifactType is null ? "" : "?artifactType=" + Uri.EscapeDataString(artifactType);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Url($"v2/{repository}/referrers/{digest}{query}")), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.BadRequest)
        {
            return null;
        }

        await EnsureAsync(response, "referrers", cancellationToken).ConfigureAwait(false);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)) as JsonObject;
    }

    private Uri Url(string path) => new(baseUri, path);

    private Uri Resolve(Uri location) => location.IsAbsoluteUri ? location : new Uri(baseUri, location);

    /// <summary>Sends a request built fresh by <paramref name="create"/>, answering one auth challenge on the way.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, CancellationToken cancellationToken,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        var answered = false;
        while (true)
        {
            using var request = create();
            request.Headers.Authorization = auth.Current;
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (ex is not RegistryException)
            {
                throw new RegistryException($"registry {Registry} unreachable: {ex.Message}", null);
            }

            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                return response;
            }

            using (response)
            {
                await auth.AnswerAsync(response, answered, cancellationToken).ConfigureAwait(false);
            }

            answered = true;
        }
    }

    private async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string? code = null;
        var detail = "";
        try
        {
            var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            var error = json?["errors"]?[0];
            code = (string?)error?["code"];
            detail = (string?)error?["message"] ?? "";
        }
        catch (System.Text.Json.JsonException)
        {
            // not an OCI error document; the status says enough
        }

        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new RegistryAuthException(Registry, $"{what}: access denied");
        }

        throw new RegistryException($"registry {Registry}: {what} failed: {(int)response.StatusCode} {code} {detail}".TrimEnd(), response.StatusCode, code);
    }
}
