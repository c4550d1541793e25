using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Hearth.Router.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hearth.Router.Admin;

/// <summary><c>/admin/backends</c>: backends added at run time, with the same fields as the config file's <c>backends</c>.</summary>
internal static partial class BackendsAdmin
{
    public static readonly string[] Types = ["openai", "ollama"];
    public static readonly string[] Tiers = ["local", "cluster", "external"];

    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/backends", (SqliteRouterRegistry registry) => Results.Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(registry.Current.Backends.Select(b => (JsonNode)ToJson(b)).ToArray()),
        }));
        admin.MapPost("/backends", AddAsync);
        admin.MapDelete("/backends/{name}", (string name, SqliteRouterRegistry registry) =>
            registry.RemoveBackend(name)
                ? Results.Json(new JsonObject { ["name"] = name, ["deleted"] = true })
                : AdminErrors.NotFound($"No runtime backend '{name}'."));
    }

    private static async Task<IResult> AddAsync(HttpRequest http, SqliteRouterRegistry registry)
    {
        var (request, error) = await AdminRequest.ReadAsync(http).ConfigureAwait(false);
        if (request is null)
        {
            return error!;
        }

        var name = request.String("name", required: true);
        var urlText = request.String("url", required: true);
        var type = request.String("type") ?? "openai";
        var models = request.Strings("models");
        var apiKeyEnv = request.String("api_key_env");
        var tier = request.String("tier") ?? "local";
        var weight = request.Integer("weight") ?? 1;
        var maxConcurrency = request.Integer("max_concurrency") ?? 64;
        request.RejectUnknown();

        if (name is not null && !NamePattern().IsMatch(name))
        {
            request.Errors.Add(("name", "must be 1-64 letters, digits, '.', '_' or '-'"));
        }

        Uri? url = null;
        if (urlText is not null
            && (!Uri.TryCreate(urlText, UriKind.Absolute, out url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            request.Errors.Add(("url", "not an absolute http(s) URL"));
        }

        if (!Types.Contains(type, StringComparer.Ordinal))
        {
            request.Errors.Add(("type", "must be openai or ollama"));
        }

        if (!Tiers.Contains(tier, StringComparer.Ordinal))
        {
            request.Errors.Add(("tier", "must be local, cluster or external"));
        }

        if (apiKeyEnv is not null && !EnvPattern().IsMatch(apiKeyEnv))
        {
            request.Errors.Add(("api_key_env", "must be an environment variable name (the key itself is never stored)"));
        }

        if (weight is < 1 or > 1000)
        {
            request.Errors.Add(("weight", "must be between 1 and 1000"));
        }

        if (maxConcurrency is < 1 or > 100_000)
        {
            request.Errors.Add(("max_concurrency", "must be between 1 and 100000"));
        }

        if (request.Errors.Count > 0)
        {
            return AdminErrors.Invalid(request.Errors);
        }

        var backend = new RegisteredBackend(name!, url!, type, models, apiKeyEnv, tier, (int)weight, (int)maxConcurrency);
        return registry.AddBackend(backend)
            ? Results.Json(ToJson(backend), statusCode: StatusCodes.Status201Created)
            : AdminErrors.Conflict($"A runtime backend named '{name}' exists; DELETE it first.", "name");
    }

    private static JsonObject ToJson(RegisteredBackend b) => new()
    {
        ["name"] = b.Name,
        ["url"] = b.Url.AbsoluteUri,
        ["type"] = b.Type,
        ["models"] = b.Models is null ? null : new JsonArray(b.Models.Select(m => (JsonNode)m).ToArray()),
        ["api_key_env"] = b.ApiKeyEnv,
        ["tier"] = b.Tier,
        ["weight"] = b.Weight,
        ["max_concurrency"] = b.MaxConcurrency,
    };

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvPattern();
}
