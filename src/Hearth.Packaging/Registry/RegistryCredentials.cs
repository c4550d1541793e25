using System.Text;
using System.Text.Json.Nodes;

namespace Hearth.Packaging.Registry;

/// <summary>A registry user name and password (or token as password).</summary>
public sealed record RegistryCredentials(string User, string Password)
{
    public const string UserVariable = "HEARTH_REGISTRY_USER";
    public const string PasswordVariable = "HEARTH_REGISTRY_PASSWORD";

    public string BasicValue => Convert.ToBase64String(Encoding.UTF8.GetBytes(User + ":" + Password));

    /// <summary>
    /// Credentials for <paramref name="registry"/>: <c>HEARTH_REGISTRY_USER</c>/<c>HEARTH_REGISTRY_PASSWORD</c>,
    /// else the <c>auths</c> entry of <c>$DOCKER_CONFIG/config.json</c> (or <c>~/.docker/config.json</c>) that docker login wrote.
    /// </summary>
    public static RegistryCredentials? FromEnvironment(string registry)
    {
        if (Environment.GetEnvironmentVariable(UserVariable) is { Length: > 0 } user)
        {
            return new RegistryCredentials(user, Environment.GetEnvironmentVariable(PasswordVariable) ?? "");
        }

        var dir = Environment.GetEnvironmentVariable("DOCKER_CONFIG") is { Length: > 0 } d
            ? d
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");
        var file = Path.Combine(dir, "config.json");
        try
        {
            var auths = JsonNode.Parse(File.ReadAllText(file))?["auths"] as JsonObject;
            var auth = (string?)auths?[registry]?["auth"] ?? (string?)auths?["https://" + registry]?["auth"];
            if (auth is null)
            {
                return null;
            }

            var text = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : new RegistryCredentials(text[..colon], text[(colon + 1)..]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
