using System.Net.Http.Headers;
using System.Text.Json;

namespace Hearth.Store.Pull;

/// <summary>A concrete file to download: URL, expected SHA-256 and size when the hub told us.</summary>
internal sealed record ResolvedFile(Uri Url, string? Sha256, long? Size, string FileName);

/// <summary>
/// Turns <c>hf.co/owner/repo[:QUANT]</c> into one GGUF file through the hub API:
/// <c>GET /api/models/owner/repo?blobs=true</c> lists <c>siblings</c> (each with <c>rfilename</c> and,
/// for LFS files, <c>lfs.sha256</c> and <c>lfs.size</c>); the file whose name contains QUANT
/// (case-insensitive) is downloaded from <c>/owner/repo/resolve/main/&lt;file&gt;</c>.
/// </summary>
internal sealed class HuggingFaceResolver(HttpClient http, PullOptions options)
{
    public async Task<ResolvedFile> ResolveAsync(HubSource source, CancellationToken cancellationToken)
    {
        var api = new Uri(options.HuggingFaceEndpoint, $"api/models/{Uri.EscapeDataString(source.Owner)}/{Uri.EscapeDataString(source.Repository)}?blobs=true");
        using var request = new HttpRequestMessage(HttpMethod.Get, api);
        Authorize(request);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new ModelDownloadException(api, response.StatusCode, $"Hugging Face repository {source.RepoId} not available");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var json = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            var files = ReadGgufSiblings(json.RootElement);
            var chosen = Select(source, files);
            var url = new Uri(options.HuggingFaceEndpoint,
                $"{Uri.EscapeDataString(source.Owner)}/{Uri.EscapeDataString(source.Repository)}/resolve/main/{EscapePath(chosen.Name)}");
            return new ResolvedFile(url, chosen.Sha256, chosen.Size, chosen.Name);
        }
    }

    /// <summary>Adds the hub token to requests that go to the hub itself (never to other hosts).</summary>
    public void Authorize(HttpRequestMessage request)
    {
        if (options.HuggingFaceToken is { } token && request.RequestUri is { } uri &&
            Uri.Compare(uri, options.HuggingFaceEndpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    private sealed record Sibling(string Name, string? Sha256, long? Size);

    private static List<Sibling> ReadGgufSiblings(JsonElement root)
    {
        var result = new List<Sibling>();
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("siblings", out var siblings) || siblings.ValueKind != JsonValueKind.Array)
        {
            return result;
        }

        foreach (var sibling in siblings.EnumerateArray())
        {
            if (!sibling.TryGetProperty("rfilename", out var nameElement) || nameElement.GetString() is not { } name ||
                !name.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            string? sha = null;
            long? size = null;
            if (sibling.TryGetProperty("lfs", out var lfs) && lfs.ValueKind == JsonValueKind.Object)
            {
                if (lfs.TryGetProperty("sha256", out var s) && s.GetString() is { } shaText)
                {
                    sha = Sha256Text.Normalize(shaText, "the hub's file list");
                }

                if (lfs.TryGetProperty("size", out var z) && z.TryGetInt64(out var lfsSize))
                {
                    size = lfsSize;
                }
            }

            if (size is null && sibling.TryGetProperty("size", out var plainSize) && plainSize.TryGetInt64(out var n))
            {
                size = n;
            }

            result.Add(new Sibling(name, sha, size));
        }

        return result;
    }

    private Sibling Select(HubSource source, List<Sibling> files)
    {
        // Vision projectors (mmproj) are not language models, and split files (-00001-of-00003)
        // need all their parts, which the engine does not load.
        var models = files
            .Where(f => !f.Name.Contains("mmproj", StringComparison.OrdinalIgnoreCase))
            .Where(f => !System.Text.RegularExpressions.Regex.IsMatch(f.Name, @"-\d{5}-of-\d{5}\.gguf$", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
            .ToList();
        var names = files.Select(f => f.Name).ToList();
        var quant = source.Quant ?? options.DefaultQuant;
        var matches = models.Where(f => f.Name.Contains(quant, StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count > 1)
        {
            // "Q4_K" is inside "Q4_K_M" and "Q4_K_S": prefer files where the quant is a whole token.
            var whole = matches.Where(f => IsWholeToken(f.Name, quant)).ToList();
            if (whole.Count > 0)
            {
                matches = whole;
            }
        }

        if (matches.Count == 1)
        {
            return matches[0];
        }

        if (matches.Count == 0 && source.Quant is null && models.Count == 1)
        {
            return models[0]; // a repository with a single model file needs no quant
        }

        var problem = matches.Count == 0
            ? $"no single-file GGUF matching '{quant}'"
            : $"several GGUF files match '{quant}' ({string.Join(", ", matches.Select(m => m.Name))}); name the quantization exactly";
        throw new GgufFileSelectionException(source.RepoId, quant, names, problem);
    }

    private static bool IsWholeToken(string name, string token)
    {
        var index = name.IndexOf(token, StringComparison.OrdinalIgnoreCase);
        while (index >= 0)
        {
            var end = index + token.Length;
            var before = index == 0 || !char.IsAsciiLetterOrDigit(name[index - 1]);
            var after = end >= name.Length || !(char.IsAsciiLetterOrDigit(name[end]) || name[end] == '_');
            if (before && after)
            {
                return true;
            }

            index = name.IndexOf(token, index + 1, StringComparison.OrdinalIgnoreCase);
        }

        return false;
    }

    private static string EscapePath(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
}
