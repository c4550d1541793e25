namespace Hearth.Router.Access;

/// <summary>The caller a request was admitted for: a virtual key, or the master key.</summary>
/// <param name="Id">The key's id (stable, shown by <c>keys list</c>); "master" for the master key.</param>
/// <param name="Prefix">The visible prefix of the key, safe to log.</param>
/// <param name="Models">Public model names the key may use; null means every model.</param>
/// <param name="Private">A private key's requests never spill to <c>external</c> backends.</param>
/// <param name="IsMaster">True for the master key (admin routes, no limits).</param>
public sealed record KeyIdentity(string Id, string Prefix, IReadOnlyList<string>? Models, bool Private, bool IsMaster);

public enum GateOutcome
{
    Allowed,

    /// <summary>401: missing, unknown, revoked or expired key.</summary>
    Unauthorized,

    /// <summary>403: the key may not use this model.</summary>
    Forbidden,

    /// <summary>429: over rpm, tpm or the token budget.</summary>
    RateLimited,
}

/// <summary>The gate's answer for one request. <see cref="Key"/> is null only when keys are off (no key exists and keys are not required).</summary>
public readonly record struct GateDecision(
    GateOutcome Outcome,
    KeyIdentity? Key,
    string? Message,
    TimeSpan? RetryAfter,
    long? RemainingRequests,
    long? RemainingTokens);

/// <summary>
/// Authentication and limits in front of every proxied route. Implemented in <c>Access/</c>;
/// the proxy pipeline calls it once per request before choosing a backend, and once after the
/// response with the tokens it used. Expected refusals are results, not exceptions.
/// </summary>
public interface IRequestGate
{
    /// <summary>Checks the bearer token (null when the request had none), the model permission,
    /// and atomically reserves one request against rpm (and checks tpm and the budget).</summary>
    ValueTask<GateDecision> AdmitAsync(string? bearerToken, string model, CancellationToken cancellationToken);

    /// <summary>Adds the tokens a finished response used (prompt + completion) to the key's tpm window and budget.</summary>
    ValueTask RecordUsageAsync(KeyIdentity key, long tokens, CancellationToken cancellationToken);

    /// <summary>True when the bearer token is the master key (admin routes).</summary>
    bool IsMaster(string? bearerToken);
}
