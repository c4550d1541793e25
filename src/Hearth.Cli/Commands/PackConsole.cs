using Hearth.Packaging.Build;
using Hearth.Packaging.Oci;

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
