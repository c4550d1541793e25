namespace Hearth.Router.Access;

/// <summary>The period a key's token budget covers; budgets reset at the start of each UTC calendar period.</summary>
public enum BudgetPeriod
{
    Hour,
    Day,
    Week,
    Month,
}

/// <summary>What a new key may do. Null limits mean "no limit".</summary>
/// <param name="Name">A human label shown by <c>keys list</c>.</param>
/// <param name="Models">Public model names the key may use; null or empty = every model.</param>
/// <param name="Rpm">Requests per sliding minute.</param>
/// <param name="Tpm">Tokens (prompt + completion) per sliding minute.</param>
/// <param name="BudgetTokens">Tokens per <paramref name="BudgetPeriod"/>.</param>
/// <param name="BudgetPeriod">The budget's period; default month.</param>
/// <param name="Private">Requests never spill to <c>external</c> backends.</param>
/// <param name="Expires">After this instant the key is refused (401).</param>
public sealed record KeySpec(
    string? Name = null,
    IReadOnlyList<string>? Models = null,
    long? Rpm = null,
    long? Tpm = null,
    long? BudgetTokens = null,
    BudgetPeriod BudgetPeriod = BudgetPeriod.Month,
    bool Private = false,
    DateTimeOffset? Expires = null)
{
    /// <summary>Every problem with the spec at once, each with the request field it concerns.</summary>
    public IReadOnlyList<(string Param, string Message)> Validate(DateTimeOffset now)
    {
        var errors = new List<(string, string)>();
        if (Name is { Length: > 200 })
        {
            errors.Add(("name", "must be at most 200 characters"));
        }

        if (Models is not null)
        {
            for (var i = 0; i < Models.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(Models[i]))
                {
                    errors.Add(($"models[{i}]", "must be a non-empty model name"));
                }
            }
        }

        Positive(errors, "rpm", Rpm);
        Positive(errors, "tpm", Tpm);
        Positive(errors, "budget_tokens", BudgetTokens);
        if (Expires is { } expires && expires <= now)
        {
            errors.Add(("expires", "must be in the future"));
        }

        return errors;
    }

    // rpm is bounded so the per-second counters can never overflow and a typo (1e18) is caught.
    private static void Positive(List<(string, string)> errors, string param, long? value)
    {
        if (value is { } v && (v < 1 || v > 1_000_000_000_000))
        {
            errors.Add((param, "must be a whole number between 1 and 10^12"));
        }
    }
}

/// <summary>A stored virtual key (never the key itself: only its HMAC and visible prefix).</summary>
public sealed record VirtualKey(
    string Id,
    string? Name,
    string Prefix,
    KeySpec Spec,
    DateTimeOffset Created,
    DateTimeOffset? Revoked)
{
    /// <summary>The identity handed to the proxy when this key is admitted (made once, not per request).</summary>
    public KeyIdentity Identity { get; } = new(
        Id,
        Prefix,
        Spec.Models is { Count: > 0 } m ? m : null,
        Spec.Private,
        IsMaster: false);

    public bool IsExpired(DateTimeOffset now) => Spec.Expires is { } e && e <= now;

    public bool HasLimits => Spec.Rpm is not null || Spec.Tpm is not null || Spec.BudgetTokens is not null;
}

/// <summary>A key just created: <see cref="Secret"/> is the only time the full key exists outside the caller.</summary>
public sealed record CreatedKey(VirtualKey Key, string Secret);
