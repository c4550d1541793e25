using System.CommandLine;
using System.Reflection;
using Hearth.Packaging.Build;
using Hearth.Packaging.Oci;
using Hearth.Packaging.Runtime;

namespace Hearth.Cli.Commands;

/// <summary><c>hearth pack runtime</c>: builds the multi-platform Hearth runtime image from this checkout.</summary>
internal static class PackRuntimeCommand
{
    public static Command Create()
    {
        var output = new Option<string?>("--output", "-o") { Description = "oci:DIR[:TAG] (default: the packager cache, where `pack build` looks)." };
        var push = new Option<string?>("--push") { Description = "Also push to REGISTRY/REPO:TAG." };
        var platforms = new Option<string[]>("--platform") { Description = "linux/amd64 and/or linux/arm64 (default both). Repeatable.", Arity = ArgumentArity.ZeroOrMore };
        var baseImage = new Option<string?>("--base")
        {
            Description = "Build on this base image instead of the Debian-package rootfs: REGISTRY/REPO@sha256:… (index or manifest; pinned by digest, a tag alone is refused).",
        };
        var command = new Command("runtime", "Build the Hearth runtime image (self-contained publish on a Debian-package base, no shell, user 65532).");
        command.Options.Add(baseImage);
        command.Options.Add(output);
        command.Options.Add(push);
        command.Options.Add(platforms);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var root = DotnetPublisher.FindRepositoryRoot(Environment.CurrentDirectory) ?? DotnetPublisher.FindRepositoryRoot(AppContext.BaseDirectory)
                ?? throw new DirectoryNotFoundException("run `hearth pack runtime` inside a Hearth checkout: it publishes src/Hearth.Cli");
            var options = new PackOptions();
            var selected = (parse.GetValue(platforms) is { Length: > 0 } given ? given.Select(Platform.Parse) : Platform.Supported).ToList();
            var builder = new RuntimeImageBuilder(new AptFetcher(Path.Combine(options.CacheDirectory, "apt")), new DotnetPublisher(root, options.CacheDirectory));
            var version = typeof(PackRuntimeCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
            using var http = PackConsole.CreateHttpClient();
            var io = new ImageIo(http, options.CacheDirectory, PackConsole.CreateRegistryOptions());
            BaseImage? onBase = null;
            if (parse.GetValue(baseImage) is { } baseText)
            {
                var reference = BaseImage.ParseReference(baseText);
                var baseSet = await io.ReadAsync(new ImageLocation(ImageLocationKind.Registry, "", null, reference), cancellationToken).ConfigureAwait(false);
                onBase = new BaseImage(reference, baseSet);
            }

            var image = await builder.BuildAsync(selected, options.Epoch, version.Split('+')[0], cancellationToken, onBase).ConfigureAwait(false);
            foreach (var location in new[] { parse.GetValue(output) ?? options.DefaultRuntime, parse.GetValue(push) }.OfType<string>().Select(ImageLocation.Parse))
            {
                // The base's layers are mounted from its repository when pushing to the same registry (no bytes sent), else copied.
                var mountFrom = onBase is not null && location.Kind == ImageLocationKind.Registry && location.Reference!.Registry == onBase.Reference.Registry
                    ? new[] { onBase.Reference.Repository }
                    : null;
                var result = await io.WriteAsync(image, location, null, mountFrom, cancellationToken).ConfigureAwait(false);
                Console.Error.WriteLine($"{location}: {result.BlobsWritten} blobs written, {result.BlobsSkipped} already there");
            }

            Console.Out.WriteLine(image.Digest);
            return ExitCodes.Ok;
        });
        return command;
    }
}
