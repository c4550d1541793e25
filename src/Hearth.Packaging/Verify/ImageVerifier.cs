using System.Formats.Tar;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Hearth.Packaging.Build;
using Hearth.Packaging.Oci;
using Hearth.Packaging.Sbom;
using Hearth.Packaging.Spec;

namespace Hearth.Packaging.Verify;

/// <summary>What <see cref="ImageVerifier"/> checked, and what failed.</summary>
public sealed record VerifyReport(string IndexDigest, IReadOnlyList<string> Checked, IReadOnlyList<string> Failures)
{
    public bool Ok => Failures.Count == 0;
}

/// <summary>
/// <c>hearth pack verify</c>: re-reads every blob of an image and checks its digest, hashes each
/// model file inside its layer against the image's labels (and the spec, when given), and checks
/// the SPDX SBOM referrer lists the same model digests. Everything is streamed.
/// </summary>
public static class ImageVerifier
{
    public static async Task<VerifyReport> VerifyAsync(IImageSource source, string reference, PackSpec? spec, CancellationToken cancellationToken)
    {
        var ok = new List<string>();
        var failures = new List<string>();
        var set = await ImageReader.ReadAsync(source, reference, cancellationToken).ConfigureAwait(false);
        ok.Add($"index {set.Digest}: {set.Images.Count} platform(s) ({string.Join(", ", set.Images.Select(i => i.Platform))})");

        foreach (var blob in set.Blobs())
        {
            try
            {
                using var sink = new HashingStream(null);
                await blob.CopyToAsync(sink, cancellationToken).ConfigureAwait(false);
                if (sink.Digest() != blob.Digest || sink.BytesWritten != blob.Size)
                {
                    failures.Add($"blob {blob.Digest}: content hashes to {sink.Digest()} ({sink.BytesWritten} bytes)");
                }
            }
            catch (InvalidDataException ex)
            {
                failures.Add(ex.Message);
            }
        }

        ok.Add($"{set.Blobs().Count()} blobs re-hashed");
        var labels = set.Images[0].ConfigJson()["config"]?["Labels"] as JsonObject ?? [];
        var modelShas = labels.Where(l => l.Key.StartsWith(ModelImageBuilder.LabelPrefix + "model.", StringComparison.Ordinal) && l.Key.EndsWith(".sha256", StringComparison.Ordinal))
            .ToDictionary(l => l.Key[(ModelImageBuilder.LabelPrefix.Length + "model.".Length)..^".sha256".Length], l => (string)l.Value!, StringComparer.Ordinal);

        foreach (var (name, sha) in modelShas)
        {
            var entry = $"{ModelImageBuilder.ModelsDirectory}/{name}.gguf";
            var layer = set.Images[0].Layers.FirstOrDefault(l => l.Descriptor.Annotations?.GetValueOrDefault("org.opencontainers.image.title") == entry);
            if (layer is null)
            {
                failures.Add($"model {name}: no layer holds {entry}");
                continue;
            }

            var actual = await HashEntryAsync(layer.Blob, entry, cancellationToken).ConfigureAwait(false);
            (actual == sha ? ok : failures).Add($"model {name}: file in layer hashes to {actual ?? "(missing)"}, label says {sha}");
        }

        if (spec is not null)
        {
            foreach (var model in spec.Models)
            {
                var label = modelShas.GetValueOrDefault(model.Name);
                (label == model.Sha256 ? ok : failures).Add($"spec model {model.Name}: spec sha256 {model.Sha256}, image {label ?? "(absent)"}");
            }
        }

        var (sboms, via) = await Referrers.FindAsync(source, set.Digest, MediaTypes.Spdx, cancellationToken).ConfigureAwait(false);
        (sboms.Count > 0 ? ok : failures).Add(sboms.Count > 0 ? $"SBOM referrer found through {via}" : $"no SPDX SBOM referrer found (looked at {via})");

        foreach (var sbom in sboms)
        {
            var doc = JsonNode.Parse(sbom.Bytes)!;
            var listed = (doc["packages"] as JsonArray ?? []).Where(p => ((string?)p!["SPDXID"])?.StartsWith("SPDXRef-Model-", StringComparison.Ordinal) == true)
                .ToDictionary(p => (string)p!["name"]!, p => (string?)p!["checksums"]?[0]?["checksumValue"], StringComparer.Ordinal);
            var same = listed.Count == modelShas.Count && modelShas.All(m => listed.GetValueOrDefault(m.Key) == m.Value);
            (same && (string?)doc["spdxVersion"] == "SPDX-2.3" ? ok : failures).Add($"SBOM {sbom.Digest}: SPDX 2.3, {listed.Count} model(s) with the image's sha256s");
        }

        return new VerifyReport(set.Digest, ok, failures);
    }

    /// <summary>Streams a layer through a tar reader (via a pipe: blobs push, TarReader pulls) and hashes one file in it.</summary>
    private static async Task<string?> HashEntryAsync(Blob layer, string name, CancellationToken cancellationToken)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20));
        var producer = Task.Run(async () =>
        {
            var writer = pipe.Writer.AsStream();
            try
            {
                await layer.CopyToAsync(writer, cancellationToken).ConfigureAwait(false);
                await pipe.Writer.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await pipe.Writer.CompleteAsync(ex).ConfigureAwait(false);
            }
        }, cancellationToken);
        string? result = null;
        var input = pipe.Reader.AsStream();
        await using (input.ConfigureAwait(false))
        {
            var reader = new TarReader(input);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    if (entry.Name == name && entry.DataStream is { } data)
                    {
                        result = Convert.ToHexStringLower(await SHA256.HashDataAsync(data, cancellationToken).ConfigureAwait(false));
                    }
                }

                // Drain to the end so the producer finishes and its digest check runs.
                var rest = new byte[1 << 16];
                while (await input.ReadAsync(rest, cancellationToken).ConfigureAwait(false) > 0)
                {
                }
            }
        }

        await producer.ConfigureAwait(false);
        return result;
    }
}
