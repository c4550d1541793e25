using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Hearth.Packaging.Build;
using Hearth.Packaging.Oci;

namespace Hearth.Cli.Commands;

/// <summary>
/// <c>hearth pack run REF</c>: pulls a model image, unpacks this machine's platform into the
/// packager cache and runs its entrypoint from there, with no container runtime: in-image paths
/// in the command line are rewritten into the unpacked root, and it binds 127.0.0.1 unless told otherwise.
/// </summary>
internal static class PackRunCommand
{
    public static Command Create()
    {
        var image = new Argument<string>("image") { Description = "Registry reference or oci:DIR[:TAG]." };
        var port = new Option<int?>("--port", "-p") { Description = "Port to serve on (default: the image's)." };
        var host = new Option<string>("--host") { Description = "Address to bind.", DefaultValueFactory = _ => "127.0.0.1" };
        var command = new Command("run", "Pull, unpack and serve a model image locally, without a container runtime.");
        command.Arguments.Add(image);
        command.Options.Add(port);
        command.Options.Add(host);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new PackOptions();
            using var http = PackConsole.CreateHttpClient();
            var io = new ImageIo(http, options.CacheDirectory);
            var set = await io.ReadAsync(ImageLocation.Parse(parse.GetValue(image)!), cancellationToken).ConfigureAwait(false);
            var platform = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? Platform.LinuxArm64 : Platform.LinuxAmd64;
            var selected = set.Images.FirstOrDefault(i => i.Platform == platform)
                ?? throw new NotSupportedException($"the image has no {platform} variant (it has {string.Join(", ", set.Images.Select(i => i.Platform))})");

            // Keep the blobs in a local layout, then unpack from there (once per image digest).
            var layout = new OciLayout(Path.Combine(options.CacheDirectory, "images"), create: true);
            await ImageWriter.WriteAsync(ImageSet.Create([selected]), layout, null, cancellationToken).ConfigureAwait(false);
            var root = Path.Combine(options.CacheDirectory, "run", Digest.Hex(selected.Manifest.Digest)[..16], "rootfs");
            if (!File.Exists(root + ".done"))
            {
                if (Directory.Exists(root))
                {
                    Directory.Delete(root, recursive: true);
                }

                Directory.CreateDirectory(root);
                foreach (var layer in selected.Layers)
                {
                    LayerUnpacker.Apply(layout.BlobPath(layer.Descriptor.Digest), layer.Descriptor.MediaType, root);
                }

                await File.WriteAllTextAsync(root + ".done", selected.Manifest.Digest, cancellationToken).ConfigureAwait(false);
            }

            var config = selected.ConfigJson()["config"];
            var argv = (config?["Entrypoint"]?.AsArray() ?? []).Concat(config?["Cmd"]?.AsArray() ?? []).Select(n => (string)n!).ToList();
            if (argv.Count == 0)
            {
                throw new InvalidDataException("the image has no entrypoint");
            }

            var start = new ProcessStartInfo(Path.Combine(root, argv[0].TrimStart('/'))) { UseShellExecute = false };
            for (var i = 1; i < argv.Count; i++)
            {
                var arg = argv[i];
                if (i > 1 && argv[i - 1] == "--host")
                {
                    arg = parse.GetValue(host)!;
                }
                else if (i > 1 && argv[i - 1] == "--port" && parse.GetValue(port) is { } p)
                {
                    arg = p.ToString(CultureInfo.InvariantCulture);
                }
                else if (arg.StartsWith('/') && Path.Exists(Path.Combine(root, arg.TrimStart('/'))))
                {
                    arg = Path.Combine(root, arg.TrimStart('/'));
                }
                else if (arg.IndexOf("=/", StringComparison.Ordinal) is > 0 and var eq && Path.Exists(Path.Combine(root, arg[(eq + 2)..])))
                {
                    arg = arg[..(eq + 1)] + Path.Combine(root, arg[(eq + 2)..]); // NAME=/file (--chat-template, --model-defaults)
                }

                start.ArgumentList.Add(arg);
            }

            start.Environment["HEARTH_HOME"] = Path.Combine(options.CacheDirectory, "run", "home");
            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the image's entrypoint");
            using var stop = cancellationToken.Register(() =>
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            });
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            return cancellationToken.IsCancellationRequested ? ExitCodes.Interrupted : process.ExitCode;
        });
        return command;
    }
}
