using System.Net;
using System.Security.Cryptography;
using Hearth.Testing;

namespace Hearth.Store.Tests;

public sealed class ModelPullerTests : IAsyncLifetime, IDisposable
{
    private static readonly byte[] Tiny = File.ReadAllBytes(SharedData.Model("llama-2-tiny-random.gguf"));
    private static readonly byte[] Q40 = File.ReadAllBytes(SharedData.ReferenceModel("llama-spm-q4_0.gguf"));
    private static readonly string TinySha = Convert.ToHexStringLower(SHA256.HashData(Tiny));
    private static readonly string Q40Sha = Convert.ToHexStringLower(SHA256.HashData(Q40));

    private readonly TempHome home = new();
    private readonly HttpClient http = new();
    private TestFileServer server = null!;
    private ModelStore store = null!;

    public async Task InitializeAsync()
    {
        server = await TestFileServer.StartAsync();
        server.Files["tiny.gguf"] = Tiny;
        store = home.Open();
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    public void Dispose()
    {
        http.Dispose();
        home.Dispose();
    }

    private ModelPuller Puller(Action<PullOptions>? configure = null)
    {
        var options = new PullOptions { HuggingFaceEndpoint = server.BaseUri, HuggingFaceToken = null, ProgressInterval = 64 * 1024 };
        configure?.Invoke(options);
        return new ModelPuller(store, http, options);
    }

    private void AssertNothingStored()
    {
        Assert.Empty(store.List());
        Assert.Empty(Directory.GetFiles(store.BlobsDirectory));
    }

    [Fact]
    public async Task Pull_downloads_verifies_registers_and_reports_progress()
    {
        var progress = new ProgressLog();

        var entry = await Puller().PullAsync(server.FileUrl("tiny.gguf").ToString(), progress: progress);

        Assert.Equal("tiny:latest", entry.FullName);
        Assert.Equal(TinySha, entry.Sha256);
        Assert.Equal(Tiny, await File.ReadAllBytesAsync(entry.Path));
        Assert.Equal(server.FileUrl("tiny.gguf").ToString(), entry.Source);
        Assert.Equal("llama", entry.Architecture);
        Assert.Equal(entry.Sha256, store.Resolve("tiny").Sha256);
        Assert.Empty(Directory.GetFiles(store.PartialDirectory));

        var seen = Assert.Single(server.Requests);
        Assert.Null(seen.Range);

        var downloads = progress.Reports.Where(p => p.Stage == PullStage.Downloading).ToList();
        Assert.True(downloads.Count > 2, "a 1.7 MB file with 64 KiB report interval reports several times");
        Assert.All(downloads, p => Assert.Equal(Tiny.Length, p.Total));
        Assert.Equal(downloads.Select(p => p.Completed).Order(), downloads.Select(p => p.Completed));
        Assert.Equal(Tiny.Length, downloads[^1].Completed);
        Assert.Equal(
            [PullStage.Resolving, PullStage.Downloading, PullStage.Verifying, PullStage.Registering, PullStage.Success],
            progress.Reports.Select(p => p.Stage).Distinct());
        Assert.Equal("success", progress.Reports[^1].Status);
        Assert.Equal("sha256:" + TinySha, progress.Reports[^1].Digest);
    }

    [Fact]
    public async Task A_known_sha256_in_the_url_is_verified_and_a_repeat_pull_downloads_nothing()
    {
        var url = server.FileUrl("tiny.gguf") + "#sha256=" + TinySha.ToUpperInvariant();

        var first = await Puller().PullAsync(url, name: "first");
        var second = await Puller().PullAsync(url, name: "second");

        Assert.Equal(TinySha, first.Sha256);
        Assert.Equal(first.Path, second.Path);
        Assert.Single(server.Requests); // the second pull found the blob by its digest
        Assert.Equal(["first:latest", "second:latest"], store.List().Select(e => e.FullName));
    }

    [Fact]
    public async Task Pull_resumes_a_partial_download_with_a_range_request()
    {
        const int have = 700_000;
        var partial = Path.Combine(store.PartialDirectory, "sha256-" + TinySha + ".partial");
        await File.WriteAllBytesAsync(partial, Tiny.AsSpan(0, have).ToArray());
        var progress = new ProgressLog();

        var entry = await Puller().PullAsync(server.FileUrl("tiny.gguf").ToString(), sha256: TinySha, progress: progress);

        Assert.Equal($"bytes={have}-", Assert.Single(server.Requests).Range);
        Assert.Equal(Tiny, await File.ReadAllBytesAsync(entry.Path));
        Assert.Equal(TinySha, entry.Sha256);
        Assert.False(File.Exists(partial));
        Assert.Equal(have, progress.Reports.First(p => p.Stage == PullStage.Downloading).Completed);
    }

    [Fact]
    public async Task An_interrupted_download_keeps_its_partial_file_and_the_next_pull_continues_it()
    {
        const int cut = 500_000;
        server.AbortAfterBytes = cut;

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => Puller().PullAsync(server.FileUrl("tiny.gguf").ToString()));
        Assert.Contains("run the pull again to resume", ex.Message, StringComparison.Ordinal);
        Assert.Empty(store.List());
        var partial = Assert.Single(Directory.GetFiles(store.PartialDirectory));
        Assert.InRange(new FileInfo(partial).Length, 1, cut);
        var kept = new FileInfo(partial).Length;

        server.AbortAfterBytes = null;
        var entry = await Puller().PullAsync(server.FileUrl("tiny.gguf").ToString());

        Assert.Equal($"bytes={kept}-", server.Requests.Last().Range);
        Assert.Equal(Tiny, await File.ReadAllBytesAsync(entry.Path));
        Assert.Empty(Directory.GetFiles(store.PartialDirectory));
    }

    [Fact]
    public async Task A_stalled_download_fails_after_the_idle_timeout_and_keeps_its_partial_file()
    {
        const int sent = 200_000;
        server.StallAfterBytes = sent;
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new ProgressLog(p =>
        {
            if (p.Stage == PullStage.Downloading && p.Completed == sent)
            {
                stalled.TrySetResult();
            }
        });

        var pull = Puller(o => o.ProgressInterval = 1).PullAsync(server.FileUrl("tiny.gguf").ToString(), progress: progress);
        await stalled.Task;
        home.Clock.Advance(TimeSpan.FromSeconds(61)); // the store's clock drives the idle timeout

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => pull);
        Assert.Contains("no data from 127.0.0.1 for 60 s", ex.Message, StringComparison.Ordinal);
        Assert.Contains("run the pull again to resume", ex.Message, StringComparison.Ordinal);
        Assert.Equal(sent, new FileInfo(Assert.Single(Directory.GetFiles(store.PartialDirectory))).Length);
        Assert.Empty(store.List());
    }

    [Fact]
    public async Task A_server_that_ignores_range_restarts_the_file_cleanly()
    {
        server.IgnoreRange = true;
        var partial = Path.Combine(store.PartialDirectory, "sha256-" + TinySha + ".partial");
        await File.WriteAllBytesAsync(partial, new byte[300_000]); // wrong bytes: must not survive

        var entry = await Puller().PullAsync(server.FileUrl("tiny.gguf") + "#sha256=" + TinySha);

        Assert.Equal("bytes=300000-", Assert.Single(server.Requests).Range);
        Assert.Equal(Tiny, await File.ReadAllBytesAsync(entry.Path));
    }

    [Fact]
    public async Task A_sha256_mismatch_removes_the_download_and_registers_nothing()
    {
        var wrong = Q40Sha;

        var ex = await Assert.ThrowsAsync<ChecksumMismatchException>(
            () => Puller().PullAsync(server.FileUrl("tiny.gguf").ToString(), sha256: wrong));

        Assert.Equal(wrong, ex.Expected);
        Assert.Equal(TinySha, ex.Actual);
        Assert.Contains("sha256 mismatch", ex.Message, StringComparison.Ordinal);
        AssertNothingStored();
        Assert.Empty(Directory.GetFiles(store.PartialDirectory));
    }

    [Fact]
    public async Task A_corrupt_partial_file_is_caught_by_the_digest_and_removed()
    {
        var partial = Path.Combine(store.PartialDirectory, "sha256-" + TinySha + ".partial");
        await File.WriteAllBytesAsync(partial, new byte[300_000]);

        await Assert.ThrowsAsync<ChecksumMismatchException>(() => Puller().PullAsync(server.FileUrl("tiny.gguf") + "#sha256=" + TinySha));

        Assert.False(File.Exists(partial));
        AssertNothingStored();
    }

    [Fact]
    public async Task A_missing_file_is_a_404_download_error()
    {
        var ex = await Assert.ThrowsAsync<ModelDownloadException>(() => Puller().PullAsync(server.FileUrl("absent.gguf").ToString()));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Contains("404", ex.Message, StringComparison.Ordinal);
        AssertNothingStored();
        Assert.Empty(Directory.GetFiles(store.PartialDirectory)); // no empty .partial left behind
    }

    [Fact]
    public async Task A_download_that_is_not_gguf_is_rejected_and_removed()
    {
        server.Files["page.gguf"] = "<html>Sign in to download this model</html>"u8.ToArray();

        var ex = await Assert.ThrowsAsync<NotAGgufException>(() => Puller().PullAsync(server.FileUrl("page.gguf").ToString()));

        Assert.Contains("not a GGUF", ex.Message, StringComparison.Ordinal);
        AssertNothingStored();
        Assert.Empty(Directory.GetFiles(store.PartialDirectory));
    }

    [Fact]
    public async Task Cancellation_stops_the_download_and_keeps_the_partial_file()
    {
        using var cts = new CancellationTokenSource();
        var progress = new ProgressLog(p =>
        {
            if (p.Stage == PullStage.Downloading && p.Completed > 0)
            {
                cts.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Puller().PullAsync(server.FileUrl("tiny.gguf").ToString(), progress: progress, cancellationToken: cts.Token));

        Assert.Empty(store.List());
        Assert.Single(Directory.GetFiles(store.PartialDirectory));
    }

    [Fact]
    public async Task Hub_references_resolve_through_the_api_and_pick_the_quant()
    {
        AddHubRepo();

        var byQuant = await Puller().PullAsync("hf.co/Owner/Repo-GGUF:q4_0");
        var byDefault = await Puller().PullAsync("huggingface.co/owner/repo-gguf");

        Assert.Equal("hf.co/owner/repo-gguf:q4_0", byQuant.FullName);
        Assert.Equal(Q40, await File.ReadAllBytesAsync(byQuant.Path));
        Assert.Equal(new Uri(server.BaseUri, "Owner/Repo-GGUF/resolve/main/model.Q4_0.gguf").ToString(), byQuant.Source);
        Assert.Equal("hf.co/owner/repo-gguf:latest", byDefault.FullName); // default quant Q4_K_M
        Assert.Equal(Tiny, await File.ReadAllBytesAsync(byDefault.Path));
        Assert.Contains(server.Requests, r => r.Path == "/api/models/Owner/Repo-GGUF");
        Assert.Contains(server.Requests, r => r.Path == "/Owner/Repo-GGUF/resolve/main/model.Q4_0.gguf");
        Assert.Contains(server.Requests, r => r.Path == "/owner/repo-gguf/resolve/main/sub dir/model-Q4_K_M.gguf");
    }

    [Fact]
    public async Task Hub_quant_selection_reports_missing_and_ambiguous_matches()
    {
        AddHubRepo();

        var none = await Assert.ThrowsAsync<GgufFileSelectionException>(() => Puller().PullAsync("hf.co/owner/repo-gguf:Q2_K"));
        Assert.Contains("no single-file GGUF matching 'Q2_K'", none.Message, StringComparison.Ordinal);
        Assert.Contains("model.Q4_0.gguf", none.Candidates);

        var ambiguous = await Assert.ThrowsAsync<GgufFileSelectionException>(() => Puller().PullAsync("hf.co/owner/repo-gguf:Q4_K"));
        Assert.Contains("several GGUF files match 'Q4_K'", ambiguous.Message, StringComparison.Ordinal);

        var missingRepo = await Assert.ThrowsAsync<ModelDownloadException>(() => Puller().PullAsync("hf.co/owner/absent"));
        Assert.Equal(HttpStatusCode.NotFound, missingRepo.StatusCode);
        AssertNothingStored();
    }

    [Fact]
    public async Task The_hub_lfs_sha256_is_verified_and_the_token_goes_only_to_the_hub_host()
    {
        server.HubRepos["owner/bad"] = $$$"""
            {"id": "owner/bad", "siblings": [
              {"rfilename": "bad-Q4_K_M.gguf", "lfs": {"sha256": "{{{Q40Sha}}}", "size": {{{Tiny.Length}}}}}]}
            """;
        server.Files["bad-Q4_K_M.gguf"] = Tiny;

        await Assert.ThrowsAsync<ChecksumMismatchException>(() => Puller(o => o.HuggingFaceToken = "secret").PullAsync("hf.co/owner/bad"));

        AssertNothingStored();
        Assert.All(server.Requests, r => Assert.Equal("Bearer secret", r.Authorization));

        // A download from another host than the hub endpoint carries no token.
        server.Requests.Clear();
        await Puller(o => { o.HuggingFaceToken = "secret"; o.HuggingFaceEndpoint = new Uri("https://hub.invalid/"); })
            .PullAsync(server.FileUrl("tiny.gguf").ToString());
        Assert.Null(Assert.Single(server.Requests).Authorization);
    }

    [Fact]
    public async Task A_given_sha256_that_contradicts_the_url_is_refused_before_downloading()
    {
        await Assert.ThrowsAsync<ArgumentException>(
            () => Puller().PullAsync(server.FileUrl("tiny.gguf") + "#sha256=" + TinySha, sha256: Q40Sha));
        Assert.Empty(server.Requests);
    }

    private void AddHubRepo()
    {
        server.HubRepos["owner/repo-gguf"] = $$$"""
            {"id": "owner/repo-gguf", "siblings": [
              {"rfilename": "README.md"},
              {"rfilename": "model.Q4_0.gguf", "lfs": {"sha256": "{{{Q40Sha}}}", "size": {{{Q40.Length}}}}},
              {"rfilename": "sub dir/model-Q4_K_M.gguf", "lfs": {"sha256": "{{{TinySha}}}", "size": {{{Tiny.Length}}}}},
              {"rfilename": "model-Q4_K_S.gguf", "lfs": {"sha256": "{{{TinySha}}}", "size": {{{Tiny.Length}}}}},
              {"rfilename": "mmproj-model-Q4_K_M.gguf"},
              {"rfilename": "big-Q4_0-00001-of-00002.gguf"}
            ]}
            """;
        server.Files["model.Q4_0.gguf"] = Q40;
        server.Files["sub dir/model-Q4_K_M.gguf"] = Tiny;
        server.Files["model-Q4_K_S.gguf"] = Tiny;
    }
}
