using System.Text;
using System.Text.Json.Nodes;
using Hearth.Packaging.Oci;

namespace Hearth.Packaging.Tests;

/// <summary>
/// A small stand-in runtime image (one layer with a text file per platform) for tests about
/// stacking, reproducibility and registries, where publishing the real runtime would only cost time.
/// The round-trip test uses the real runtime image.
/// </summary>
internal static class FakeRuntime
{
    public static async Task<ImageSet> CreateAsync()
    {
        var images = new List<PlatformImage>();
        foreach (var platform in Platform.Supported)
        {
            var layer = await TarLayer.CreateAsync([LayerItem.FromBytes("app/hearth", Encoding.UTF8.GetBytes("runtime for " + platform), executable: true)],
                DateTimeOffset.UnixEpoch, CancellationToken.None);
            var config = new JsonObject
            {
                ["architecture"] = platform.Architecture,
                ["os"] = platform.Os,
                ["config"] = new JsonObject { ["User"] = "65532:65532" },
                ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(layer.Digest) },
            };
            images.Add(PlatformImage.Create(platform, config, [new Layer(layer.Describe(MediaTypes.Layer), layer)]));
        }

        return ImageSet.Create(images);
    }

    public static async Task<string> WriteLayoutAsync(string directory)
    {
        var set = await CreateAsync();
        await ImageWriter.WriteAsync(set, new OciLayout(directory, create: true), "latest", CancellationToken.None);
        return directory;
    }
}
