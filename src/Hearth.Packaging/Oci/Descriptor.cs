using System.Text.Json.Nodes;

namespace Hearth.Packaging.Oci;

/// <summary>An OCI content descriptor: what a manifest or index says about one blob.</summary>
public sealed record Descriptor(string MediaType, string Digest, long Size)
{
    public Platform? Platform { get; init; }

    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    public string? ArtifactType { get; init; }

    public JsonObject ToJson()
    {
        var json = new JsonObject { ["mediaType"] = MediaType, ["digest"] = Digest, ["size"] = Size };
        if (Platform is { } p)
        {
            json["platform"] = new JsonObject { ["os"] = p.Os, ["architecture"] = p.Architecture };
        }

        if (ArtifactType is { } artifactType)
        {
            json["artifactType"] = artifactType;
        }

        if (Annotations is { Count: > 0 } annotations)
        {
            var obj = new JsonObject();
            foreach (var (k, v) in annotations)
            {
                obj[k] = v;
            }

            json["annotations"] = obj;
        }

        return json;
    }

    public static Descriptor FromJson(JsonNode node)
    {
        var mediaType = (string?)node["mediaType"] ?? throw new InvalidDataException("descriptor without mediaType");
        var digest = (string?)node["digest"] ?? throw new InvalidDataException("descriptor without digest");
        if (!Oci.Digest.IsValid(digest))
        {
            throw new InvalidDataException($"descriptor with bad digest '{digest}'");
        }

        var size = (long?)node["size"] ?? throw new InvalidDataException("descriptor without size");
        Platform? platform = null;
        if (node["platform"] is JsonObject p)
        {
            platform = new Platform((string?)p["os"] ?? "", (string?)p["architecture"] ?? "");
        }

        Dictionary<string, string>? annotations = null;
        if (node["annotations"] is JsonObject a)
        {
            annotations = a.ToDictionary(kv => kv.Key, kv => (string?)kv.Value ?? "", StringComparer.Ordinal);
        }

        return new Descriptor(mediaType, digest, size) { Platform = platform, Annotations = annotations, ArtifactType = (string?)node["artifactType"] };
    }
}
