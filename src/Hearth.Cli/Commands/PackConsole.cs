using Hearth.Packaging.Build;
using Hearth.Packaging.Oci;
using Hearth.Packaging.Registry;

namespace Hearth.Cli.Commands;

/// <summary>Plumbing shared by the <c>hearth pack</c> subcommands.</summary>
internal static class PackConsole
{
    public static HttpClient CreateHttpClient()
    {
        // Layers can take a long time per chunk on slow links; idle limits live in the client code.
        var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("hearth-pack/0.1");
        return http;
    }

    /// <summary>
    /// Registry client settings: <c>HEARTH_PACK_CHUNK_SIZE</c> (bytes per PATCH, default 16 MiB) bounds
    /// what an interrupted push loses and what a push holds in memory.
    /// </summary>
    public static RegistryOptions CreateRegistryOptions()
    {
        var options = new RegistryOptions();
        if (Environment.GetEnvironmentVariable("HEARTH_PACK_CHUNK_SIZE") is { Length: > 0 } text)
        {
            options.ChunkSize = int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size) && size >= 4096
                ? size
                : throw new ArgumentException($"HEARTH_PACK_CHUNK_SIZE={text}: expected a number of bytes, at least 4096");
        }

        return options;
    }

    public static async Task<ImageSet> ReadRuntimeAsync(ImageIo io, ImageLocation location, CancellationToken cancellationToken)
    {
        try
        {
            return await io.ReadAsync(location, cancellationToken).ConfigureAwait(false);
        }
        catch (DirectoryNotFoundException ex) when (location.Kind == ImageLocationKind.OciLayout)
        {
            throw new FileNotFoundException($"no runtime image at {location} ({ex.Message}); build it with `hearth pack runtime` or pass --runtime", location.Path);
        }
    }
}
