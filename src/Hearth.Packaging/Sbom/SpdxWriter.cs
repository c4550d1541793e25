using System.Globalization;
using System.Text.Json.Nodes;
using Hearth.Packaging.Oci;
using Hearth.Packaging.Sources;
using Hearth.Packaging.Spec;

namespace Hearth.Packaging.Sbom;

/// <summary>
/// An SPDX 2.3 JSON document for a model image: the Debian packages of each platform's runtime
/// (with versions, as purls), the Hearth build, and every model file with its sha256, source and
/// licence. Only inputs go into it (no clock), so it is as reproducible as the image.
/// </summary>
public static class SpdxWriter
{
    public const string PackagesLabel = "dev.hearth.runtime.packages";

    public static JsonObject Create(PackSpec spec, IReadOnlyList<ResolvedModel> models, ImageSet image, DateTimeOffset epoch)
    {
        var packages = new JsonArray();
        var relationships = new JsonArray();
        var imageId = "SPDXRef-Image";
        packages.Add(new JsonObject
        {
            ["SPDXID"] = imageId,
            ["name"] = spec.Name,
            ["versionInfo"] = image.Digest,
            ["downloadLocation"] = "NOASSERTION",
            ["primaryPackagePurpose"] = "CONTAINER",
            ["licenseConcluded"] = "NOASSERTION",
            ["licenseDeclared"] = spec.Labels.GetValueOrDefault("org.opencontainers.image.licenses") ?? "NOASSERTION",
            ["copyrightText"] = "NOASSERTION",
        });
        relationships.Add(Relation("SPDXRef-DOCUMENT", "DESCRIBES", imageId));

        foreach (var model in models)
        {
            var id = "SPDXRef-Model-" + Sanitize(model.Spec.Name);
            packages.Add(new JsonObject
            {
                ["SPDXID"] = id,
                ["name"] = model.Spec.Name,
                ["versionInfo"] = model.Spec.Source is HubSource hub ? hub.Commit : model.Spec.Sha256[..12],
                ["packageFileName"] = $"/models/{model.Spec.Name}.gguf",
                ["downloadLocation"] = model.Spec.Source is LocalSource ? "NOASSERTION" : model.Spec.Source.Display,
                ["sourceInfo"] = "source: " + model.Spec.Source.Display,
                ["checksums"] = new JsonArray(new JsonObject { ["algorithm"] = "SHA256", ["checksumValue"] = model.Spec.Sha256 }),
                ["primaryPackagePurpose"] = "FILE",
                ["licenseConcluded"] = "NOASSERTION",
                ["licenseDeclared"] = model.Spec.License ?? "NOASSERTION",
                ["copyrightText"] = "NOASSERTION",
            });
            relationships.Add(Relation(imageId, "CONTAINS", id));
        }

        foreach (var platform in image.Images)
        {
            var labels = platform.ConfigJson()["config"]?["Labels"];
            if ((string?)labels?["org.opencontainers.image.version"] is { } version)
            {
                var hearthId = "SPDXRef-Hearth-" + platform.Platform.Architecture;
                packages.Add(Package(hearthId, "hearth", version, $"pkg:generic/hearth@{version}?arch={platform.Platform.Architecture}", "MIT"));
                relationships.Add(Relation(imageId, "CONTAINS", hearthId));
            }

            foreach (var entry in ((string?)labels?[PackagesLabel] ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var (name, debVersion) = (entry.Split('=', 2)[0], entry.Split('=', 2)[^1]);
                var id = $"SPDXRef-Deb-{Sanitize(name)}-{platform.Platform.Architecture}";
                packages.Add(Package(id, name, debVersion,
                    $"pkg:deb/debian/{name}@{Uri.EscapeDataString(debVersion)}?arch={platform.Platform.Architecture}&distro=debian-12", "NOASSERTION"));
                relationships.Add(Relation(imageId, "CONTAINS", id));
            }
        }

        return new JsonObject
        {
            ["spdxVersion"] = "SPDX-2.3",
            ["dataLicense"] = "CC0-1.0",
            ["SPDXID"] = "SPDXRef-DOCUMENT",
            ["name"] = spec.Name,
            ["documentNamespace"] = $"https://hearth.dev/spdx/{spec.Name}/{Digest.Hex(image.Digest)}",
            ["creationInfo"] = new JsonObject
            {
                ["created"] = epoch.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["creators"] = new JsonArray("Tool: hearth-pack"),
            },
            ["packages"] = packages,
            ["relationships"] = relationships,
        };
    }

    private static JsonObject Package(string id, string name, string version, string purl, string license) => new()
    {
        ["SPDXID"] = id,
        ["name"] = name,
        ["versionInfo"] = version,
        ["downloadLocation"] = "NOASSERTION",
        ["licenseConcluded"] = "NOASSERTION",
        ["licenseDeclared"] = license,
        ["copyrightText"] = "NOASSERTION",
        ["externalRefs"] = new JsonArray(new JsonObject { ["referenceCategory"] = "PACKAGE-MANAGER", ["referenceType"] = "purl", ["referenceLocator"] = purl }),
    };

    private static JsonObject Relation(string from, string type, string to) =>
        new() { ["spdxElementId"] = from, ["relationshipType"] = type, ["relatedSpdxElement"] = to };

    private static string Sanitize(string text) => new([.. text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '-')]);
}
