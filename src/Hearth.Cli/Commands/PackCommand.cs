using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Packaging.Build;
using Hearth.Packaging.Oci;
using Hearth.Packaging.Spec;

namespace Hearth.Cli.Commands;

/// <summary>
/// <c>hearth pack</c>: a model spec becomes a reproducible multi-platform OCI image, without a
/// container daemon. All the work is in Hearth.Packaging; this only parses arguments and prints.
/// </summary>
internal static class PackCommand
{
    public static Command Create()
    {
        var command = new Command("pack", "Package models as OCI images (build, push, inspect, run) without a container daemon.");
        command.Subcommands.Add(Schema());
        command.Subcommands.Add(Build());
        command.Subcommands.Add(Import());
        command.Subcommands.Add(Inspect());
        command.Subcommands.Add(Copy());
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(PackRuntimeCommand.Create());
        command.Subcommands.Add(PackRunCommand.Create());
        return command;
    }

    private static Command Schema()
    {
        var command = new Command("schema", "Print the JSON Schema of hearth.pack.yaml (for editor completion).");
        command.SetAction(_ =>
        {
            Console.Out.WriteLine(SpecSchema.Text);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Build()
    {
        var spec = new Argument<string>("spec") { Description = "hearth.pack.yaml, or an AIKit aikitfile (apiVersion v1alpha1) to import." };
        var output = new Option<string[]>("--output", "-o") { Description = "oci:DIR[:TAG] or docker-archive:FILE[:REPO:TAG] (one platform). Repeatable.", Arity = ArgumentArity.ZeroOrMore };
        var push = new Option<string?>("--push") { Description = "Push to a registry: REGISTRY/REPO:TAG (credentials: HEARTH_REGISTRY_USER/PASSWORD or docker login)." };
        var runtime = new Option<string?>("--runtime") { Description = "Runtime image (oci:DIR[:TAG] or a registry reference); default: the spec's, else the one `hearth pack runtime` cached." };
        var platform = new Option<string?>("--archive-platform") { Description = "Platform of a docker-archive output (default: the spec's first)." };
        var format = new Option<string[]>("--format") { Description = "Also write each model as a CNCF ModelPack artifact ('modelpack'), tagged TAG-NAME beside the image.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("build", "Build a model image from a spec and write or push it.");
        command.Arguments.Add(spec);
        command.Options.Add(output);
        command.Options.Add(push);
        command.Options.Add(runtime);
        command.Options.Add(platform);
        command.Options.Add(format);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var formats = parse.GetValue(format) ?? [];
            if (formats.Any(f => f != "modelpack"))
            {
                Console.Error.WriteLine("error: --format takes 'modelpack'");
                return ExitCodes.Usage;
            }

            var packSpec = Packager.LoadSpec(parse.GetValue(spec)!, out var import);
            if (import is not null)
            {
                PrintImport(import);
            }

            var outputs = (parse.GetValue(output) ?? []).Select(ImageLocation.Parse).ToList();
            if (parse.GetValue(push) is { } target)
            {
                outputs.Add(ImageLocation.Parse(target));
            }

            if (outputs.Count == 0)
            {
                Console.Error.WriteLine("error: give --output oci:DIR, --output docker-archive:FILE or --push REF");
                return ExitCodes.Usage;
            }

            using var http = PackConsole.CreateHttpClient();
            var packager = new Packager(StoreConsole.OpenStore(), http);
            var io = new ImageIo(http, packager.Options.CacheDirectory, PackConsole.CreateRegistryOptions());
            var runtimeLocation = ImageLocation.Parse(parse.GetValue(runtime) ?? packSpec.Runtime.Image ?? packager.Options.DefaultRuntime);
            var runtimeSet = await PackConsole.ReadRuntimeAsync(io, runtimeLocation, cancellationToken).ConfigureAwait(false);
            var build = await packager.BuildAsync(packSpec, runtimeSet, null, cancellationToken).ConfigureAwait(false);
            var image = build.Image;
            var archivePlatform = parse.GetValue(platform) is { } p ? Platform.Parse(p) : packSpec.Platforms[0];
            foreach (var location in outputs)
            {
                var mountFrom = runtimeLocation.Kind == ImageLocationKind.Registry && location.Kind == ImageLocationKind.Registry &&
                                runtimeLocation.Reference!.Registry == location.Reference!.Registry
                    ? new[] { runtimeLocation.Reference.Repository }
                    : null;
                var result = await io.WriteAsync(image, location, archivePlatform, mountFrom, cancellationToken).ConfigureAwait(false);
                // Bytes sent can be less than the blobs' size: a push interrupted earlier resumes where the registry stopped.
                var sent = location.Kind == ImageLocationKind.Registry ? $", {io.Client(location.Reference!.Registry).BytesUploaded} bytes sent" : "";
                Console.Error.WriteLine($"{location}: {result.BlobsWritten} blobs written ({StoreConsole.FormatSize(result.BytesWritten)}), {result.BlobsSkipped} already there{sent}");
                if (io.OpenTarget(location) is { } sbomTarget)
                {
                    var (sbom, tagged) = await build.AttachSbomAsync(sbomTarget, packager.Options.Epoch, cancellationToken).ConfigureAwait(false);
                    var found = tagged ? "tag " + Hearth.Packaging.Sbom.Referrers.FallbackTag(image.Digest) : "listed by the registry's referrers API";
                    Console.Error.WriteLine($"{location}: SPDX SBOM {build.Sbom.Digest} attached as referrer {sbom} ({found})");
                    foreach (var model in formats.Length > 0 ? build.Models : [])
                    {
                        var tag = $"{location.Tag ?? ImageLocation.DefaultTag}-{model.Spec.Name}";
                        var artifact = await Hearth.Packaging.ModelPack.ModelPackArtifact.PushAsync(sbomTarget, model, tag, packager.Options.Epoch, cancellationToken).ConfigureAwait(false);
                        Console.Error.WriteLine($"{location}: ModelPack artifact of {model.Spec.Name} {artifact} (tag {tag})");
                    }
                }
            }

            Console.Out.WriteLine(image.Digest);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Import()
    {
        var file = new Argument<string>("aikitfile") { Description = "AIKit inference aikitfile (apiVersion v1alpha1)." };
        var command = new Command("import", "Convert an AIKit aikitfile to hearth.pack.yaml (printed) and report what was mapped and ignored.");
        command.Arguments.Add(file);
        command.SetAction(parse =>
        {
            var (yaml, report) = AikitImporter.Convert(parse.GetValue(file)!);
            PrintImport(report);
            Console.Out.Write(yaml);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Inspect()
    {
        var reference = new Argument<string>("image") { Description = "oci:DIR[:TAG] or a registry reference." };
        var command = new Command("inspect", "Print an image's index, platforms, layers and labels as JSON.");
        command.Arguments.Add(reference);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var http = PackConsole.CreateHttpClient();
            var io = new ImageIo(http, new PackOptions().CacheDirectory);
            var set = await io.ReadAsync(ImageLocation.Parse(parse.GetValue(reference)!), cancellationToken).ConfigureAwait(false);
            var json = new JsonObject
            {
                ["digest"] = set.Digest,
                ["images"] = new JsonArray([.. set.Images.Select(i => (JsonNode)new JsonObject
                {
                    ["platform"] = i.Platform.ToString(),
                    ["manifest"] = i.Manifest.Digest,
                    ["config"] = i.Config.Digest,
                    ["layers"] = new JsonArray([.. i.Layers.Select(l => (JsonNode)new JsonObject { ["digest"] = l.Descriptor.Digest, ["size"] = l.Descriptor.Size })]),
                    ["labels"] = i.ConfigJson()["config"]?["Labels"]?.DeepClone(),
                    ["entrypoint"] = i.ConfigJson()["config"]?["Entrypoint"]?.DeepClone(),
                })]),
            };
            Console.Out.WriteLine(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Copy()
    {
        var from = new Argument<string>("from") { Description = "Source: oci:DIR[:TAG] or a registry reference." };
        var to = new Argument<string>("to") { Description = "Destination: oci:DIR[:TAG], docker-archive:FILE or a registry reference." };
        var command = new Command("copy", "Copy an image between registries and layouts (pull = copy REF oci:DIR).");
        command.Arguments.Add(from);
        command.Arguments.Add(to);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var http = PackConsole.CreateHttpClient();
            var io = new ImageIo(http, new PackOptions().CacheDirectory);
            var set = await io.ReadAsync(ImageLocation.Parse(parse.GetValue(from)!), cancellationToken).ConfigureAwait(false);
            var result = await io.WriteAsync(set, ImageLocation.Parse(parse.GetValue(to)!), null, null, cancellationToken).ConfigureAwait(false);
            Console.Error.WriteLine($"{result.BlobsWritten} blobs written ({StoreConsole.FormatSize(result.BytesWritten)}), {result.BlobsSkipped} already there");
            Console.Out.WriteLine(set.Digest);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Verify()
    {
        var reference = new Argument<string>("image") { Description = "oci:DIR[:TAG] or a registry reference." };
        var spec = new Option<string?>("--spec") { Description = "Also check the model sha256s against this spec." };
        var command = new Command("verify", "Re-check every digest of an image, its model files, its SPDX SBOM, and (with --spec) the spec's sha256s.");
        command.Arguments.Add(reference);
        command.Options.Add(spec);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var packSpec = parse.GetValue(spec) is { } specPath ? Packager.LoadSpec(specPath, out _) : null;
            using var http = PackConsole.CreateHttpClient();
            var io = new ImageIo(http, new PackOptions().CacheDirectory);
            var location = ImageLocation.Parse(parse.GetValue(reference)!);
            var tag = location.Kind == ImageLocationKind.Registry ? location.Reference!.ManifestReference : location.Tag ?? ImageLocation.DefaultTag;
            var report = await Hearth.Packaging.Verify.ImageVerifier.VerifyAsync(io.OpenSource(location), tag, packSpec, cancellationToken).ConfigureAwait(false);
            foreach (var line in report.Checked)
            {
                Console.Out.WriteLine("ok    " + line);
            }

            foreach (var line in report.Failures)
            {
                Console.Out.WriteLine("FAIL  " + line);
            }

            return report.Ok ? ExitCodes.Ok : ExitCodes.InvalidFormat;
        });
        return command;
    }

    private static void PrintImport(ImportReport report)
    {
        foreach (var line in report.Mapped)
        {
            Console.Error.WriteLine("aikit: mapped  " + line);
        }

        foreach (var line in report.Ignored)
        {
            Console.Error.WriteLine("aikit: ignored " + line);
        }
    }
}
