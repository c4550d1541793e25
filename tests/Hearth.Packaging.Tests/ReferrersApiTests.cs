using System.Text;
using System.Text.Json.Nodes;
using Hearth.Packaging.Oci;
using Hearth.Packaging.Registry;
using Hearth.Packaging.Sbom;
using Hearth.Testing;

namespace Hearth.Packaging.Tests;

/// <summary>
/// The SBOM on a registry with the OCI 1.1 referrers API (<see cref="ReferrersRegistry"/>): the push sees
/// <c>OCI-Subject</c> and writes no <c>sha256-&lt;digest&gt;</c> fallback tag; <c>hearth pack verify</c> finds the
/// SBOM through <c>GET /v2/NAME/referrers/DIGEST</c>. The fallback path is tested against the real
/// docker-registry in <see cref="SupplyChainAndBadInputTests"/>.
/// </summary>
public sealed class ReferrersApiTests
{
    [Fact]
    public async Task A_registry_with_the_referrers_api_gets_no_fallback_tag_and_verify_finds_the_sbom_through_the_api()
    {
        await using var registry = await ReferrersRegistry.StartAsync();
        using var dir = new TempDir();
        var env = new Dictionary<string, string> { ["HEARTH_HOME"] = dir.File("home") };
        var runtime = await FakeRuntime.WriteLayoutAsync(dir.File("runtime"));
        var model = SharedData.Model("llama-2-tiny-random.gguf");
        var spec = dir.File("hearth.pack.yaml", ReproducibleBuildTests.TinySpec(model));
        var (code, stdout, stderr) = await Tools.HearthAsync("022", env, dir.Path, "pack", "build", spec, "--runtime", "oci:" + runtime, "--push", $"{registry.Host}/hearth/tiny:1");
        Assert.True(code == 0, stderr);
        var digest = stdout.Trim();
        Assert.Contains("listed by the registry's referrers API", stderr, StringComparison.Ordinal);

        // Only the image's own tag: nothing under sha256-<hex>.
        Assert.Equal(["hearth/tiny:1"], registry.Tags.Keys);
        Assert.Equal(digest, registry.Tags["hearth/tiny:1"]);
        Assert.DoesNotContain(registry.Requests, r => r.Contains("/manifests/sha256-", StringComparison.Ordinal));

        using var http = new HttpClient();
        var index = JsonNode.Parse(await http.GetStringAsync($"http://{registry.Host}/v2/hearth/tiny/referrers/{digest}"))!;
        var referrer = Assert.Single(index["manifests"]!.AsArray())!;
        Assert.Equal("application/spdx+json", (string?)referrer["artifactType"]);

        var before = registry.Requests.Count;
        (code, stdout, stderr) = await Tools.HearthAsync("022", env, dir.Path, "pack", "verify", $"{registry.Host}/hearth/tiny:1", "--spec", spec);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("ok    SBOM referrer found through the referrers API", stdout, StringComparison.Ordinal);
        Assert.Contains("ok    SBOM sha256:", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL", stdout, StringComparison.Ordinal);
        var verifyRequests = registry.Requests.Skip(before).ToList();
        Assert.Contains($"GET /v2/hearth/tiny/referrers/{digest}?artifactType=application%2Fspdx%2Bjson", verifyRequests);
        Assert.Contains($"GET /v2/hearth/tiny/manifests/{(string?)referrer["digest"]}", verifyRequests);
        Assert.DoesNotContain(verifyRequests, r => r.Contains("/manifests/sha256-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_the_referrers_api_the_fallback_tag_keeps_every_referrer_of_the_subject()
    {
        await using var registry = await RegistryServer.StartAsync(); // Debian's docker-registry: no referrers API
        using var http = new HttpClient();
        var store = new RegistryImageStore(new RegistryClient(http, registry.Host), "hearth/tiny");
        var subjectBlob = new BytesBlob("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"""u8.ToArray());
        await store.PutManifestAsync(subjectBlob, MediaTypes.Index, "1", CancellationToken.None);
        var subject = subjectBlob.Describe(MediaTypes.Index);
        Assert.Null(await store.GetReferrersAsync(subject.Digest, null, CancellationToken.None));

        var sbom = new BytesBlob(Encoding.UTF8.GetBytes("""{"spdxVersion":"SPDX-2.3"}"""));
        var note = new BytesBlob(Encoding.UTF8.GetBytes("a second artifact"));
        Assert.True((await Referrers.AttachAsync(store, subject, sbom, MediaTypes.Spdx, DateTimeOffset.UnixEpoch, CancellationToken.None)).UsedFallbackTag);
        Assert.True((await Referrers.AttachAsync(store, subject, note, "text/plain", DateTimeOffset.UnixEpoch, CancellationToken.None)).UsedFallbackTag);
        await Referrers.AttachAsync(store, subject, sbom, MediaTypes.Spdx, DateTimeOffset.UnixEpoch, CancellationToken.None); // again: no duplicate

        var (index, _) = await store.GetManifestAsync(Referrers.FallbackTag(subject.Digest), CancellationToken.None);
        Assert.Equal([MediaTypes.Spdx, "text/plain"], JsonNode.Parse(index.Bytes)!["manifests"]!.AsArray().Select(m => (string?)m!["artifactType"]).Order(StringComparer.Ordinal));
        var (found, via) = await Referrers.FindAsync(store, subject.Digest, MediaTypes.Spdx, CancellationToken.None);
        Assert.Equal(sbom.Digest, Assert.Single(found).Digest);
        Assert.Equal("tag " + Referrers.FallbackTag(subject.Digest), via);
    }
}
