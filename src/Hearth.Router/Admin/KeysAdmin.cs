using System.Text.Json.Nodes;
using Hearth.Router.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hearth.Router.Admin;

/// <summary><c>/admin/keys</c>: create (the key is in the 201 answer and nowhere else, ever), list, revoke.</summary>
internal static class KeysAdmin
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapPost("/keys", CreateAsync);
        admin.MapGet("/keys", (KeyStore store) => Results.Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(store.List().Select(k => (JsonNode)ToJson(k)).ToArray()),
        }));
        admin.MapDelete("/keys/{id}", (string id, KeyStore store, KeyDirectory directory) =>
        {
            if (!store.Revoke(id))
            {
                return AdminErrors.NotFound($"No active key with id '{id}'.");
            }

            directory.Reload(); // in force on this replica at once; others notice within the poll interval
            return Results.Json(new JsonObject { ["id"] = id, ["revoked"] = true });
        });
    }

    private static async Task<IResult> CreateAsync(HttpRequest http, KeyStore store, KeyDirectory directory, RouterAccessOptions options)
    {
        var (request, error) = await AdminRequest.ReadAsync(http).ConfigureAwait(false);
        if (request is null)
        {
            return error!;
        }

        var spec = ParseSpec(request, options.TimeProvider.GetUtcNow());
        if (request.Errors.Count > 0)
        {
            return AdminErrors.Invalid(request.Errors);
        }

        var created = store.Create(spec!);
        directory.Reload();
        var json = ToJson(created.Key);
        json["key"] = created.Secret;
        return Results.Json(json, statusCode: StatusCodes.Status201Created);
    }

    private static KeySpec? ParseSpec(AdminRequest request, DateTimeOffset now)
    {
        var name = request.String("name");
        var models = request.Strings("models");
        var rpm = request.Integer("rpm");
        var tpm = request.Integer("tpm");
        var budget = request.Integer("budget_tokens");
        var periodText = request.String("budget_period");
        var isPrivate = request.Boolean("private");
        var expiresText = request.String("expires");
        request.RejectUnknown();

        var period = BudgetPeriod.Month;
        if (periodText is not null && !TryParsePeriod(periodText, out period))
        {
            request.Errors.Add(("budget_period", "must be one of hour, day, week, month"));
        }

        DateTimeOffset? expires = null;
        if (expiresText is not null)
        {
            if (Rfc3339.TryParse(expiresText, out var e))
            {
                expires = e;
            }
            else
            {
                request.Errors.Add(("expires", "must be an RFC 3339 timestamp such as 2026-12-31T23:59:59Z"));
            }
        }

        var spec = new KeySpec(name, models, rpm, tpm, budget, period, isPrivate ?? false, expires);
        request.Errors.AddRange(spec.Validate(now));
        return spec;
    }

    public static bool TryParsePeriod(string text, out BudgetPeriod period) =>
        Enum.TryParse(text, ignoreCase: true, out period) && Enum.IsDefined(period) && !int.TryParse(text, out _);

    public static JsonObject ToJson(VirtualKey key) => new()
    {
        ["id"] = key.Id,
        ["name"] = key.Name,
        ["prefix"] = key.Prefix,
        ["models"] = key.Spec.Models is { Count: > 0 } m ? new JsonArray(m.Select(x => (JsonNode)x).ToArray()) : null,
        ["rpm"] = key.Spec.Rpm,
        ["tpm"] = key.Spec.Tpm,
        ["budget_tokens"] = key.Spec.BudgetTokens,
        ["budget_period"] = key.Spec.BudgetPeriod.ToString().ToLowerInvariant(),
        ["private"] = key.Spec.Private,
        ["expires"] = key.Spec.Expires is { } e ? Rfc3339.Format(e) : null,
        ["created"] = Rfc3339.Format(key.Created),
        ["revoked"] = key.Revoked is { } r ? Rfc3339.Format(r) : null,
    };
}
