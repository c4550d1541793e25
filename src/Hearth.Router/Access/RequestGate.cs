using System.Security.Cryptography;
using System.Text;

namespace Hearth.Router.Access;

/// <summary>
/// <see cref="IRequestGate"/>: the master key, then the virtual key from the in-memory
/// <see cref="KeyDirectory"/>, then the model permission, then one atomic limit check.
/// </summary>
internal sealed class RequestGate : IRequestGate
{
    private static readonly KeyIdentity Master = new("master", "master", null, false, IsMaster: true);
    private readonly KeyDirectory keys;
    private readonly IRateLimiter limiter;
    private readonly byte[]? masterKey;
    private readonly bool requireKeys;
    private readonly TimeProvider time;

    public RequestGate(KeyDirectory keys, IRateLimiter limiter, string? masterKey, bool requireKeys, TimeProvider time)
    {
        this.keys = keys;
        this.limiter = limiter;
        this.masterKey = string.IsNullOrEmpty(masterKey) ? null : Encoding.UTF8.GetBytes(masterKey);
        this.requireKeys = requireKeys;
        this.time = time;
    }

    public ValueTask<GateDecision> AdmitAsync(string? bearerToken, string model, CancellationToken cancellationToken)
    {
        if (IsMaster(bearerToken))
        {
            return ValueTask.FromResult(new GateDecision(GateOutcome.Allowed, Master, null, null, null, null));
        }

        var snapshot = keys.Current;
        var keysOn = requireKeys || snapshot.AnyKeys;
        if (!keysOn)
        {
            // No key exists yet: the router is open (clients such as the OpenAI SDK send some token anyway).
            return ValueTask.FromResult(new GateDecision(GateOutcome.Allowed, null, null, null, null, null));
        }

        if (string.IsNullOrEmpty(bearerToken))
        {
            return Refuse(GateOutcome.Unauthorized, "Missing API key: send it as 'Authorization: Bearer <key>'.");
        }

        if (!snapshot.TryFind(keys.Hasher, bearerToken, out var key) || key is null)
        {
            return Refuse(GateOutcome.Unauthorized, "Invalid API key.");
        }

        if (key.Revoked is not null)
        {
            return Refuse(GateOutcome.Unauthorized, $"API key {key.Prefix}… was revoked.");
        }

        var now = time.GetUtcNow();
        if (key.IsExpired(now))
        {
            return Refuse(GateOutcome.Unauthorized, $"API key {key.Prefix}… expired.");
        }

        if (key.Identity.Models is { } allowed && !allowed.Contains(model, StringComparer.Ordinal))
        {
            return ValueTask.FromResult(new GateDecision(GateOutcome.Forbidden, key.Identity,
                $"API key {key.Prefix}… may not use model '{model}'.", null, null, null));
        }

        if (!key.HasLimits)
        {
            return ValueTask.FromResult(new GateDecision(GateOutcome.Allowed, key.Identity, null, null, null, null));
        }

        return LimitAsync(key, now, cancellationToken);
    }

    public ValueTask RecordUsageAsync(KeyIdentity key, long tokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.IsMaster || !keys.Current.ById.TryGetValue(key.Id, out var stored))
        {
            return ValueTask.CompletedTask;
        }

        return limiter.RecordAsync(stored, tokens, time.GetUtcNow(), cancellationToken);
    }

    public bool IsMaster(string? bearerToken)
    {
        if (masterKey is null || string.IsNullOrEmpty(bearerToken) || bearerToken.Length > 1024)
        {
            return false;
        }

        Span<byte> candidate = stackalloc byte[1024 * 3];
        var length = Encoding.UTF8.GetBytes(bearerToken, candidate);
        return CryptographicOperations.FixedTimeEquals(candidate[..length], masterKey);
    }

    private async ValueTask<GateDecision> LimitAsync(VirtualKey key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var d = await limiter.AcquireAsync(key, now, cancellationToken).ConfigureAwait(false);
        if (d.Allowed)
        {
            return new GateDecision(GateOutcome.Allowed, key.Identity, null, null, d.RemainingRequests, d.RemainingTokens);
        }

        var what = d.RefusedBy switch
        {
            LimitKind.Requests => $"requests per minute ({key.Spec.Rpm})",
            LimitKind.Tokens => $"tokens per minute ({key.Spec.Tpm})",
            _ => $"token budget per {key.Spec.BudgetPeriod.ToString().ToLowerInvariant()} ({key.Spec.BudgetTokens})",
        };
        var retry = d.RetryAfter <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : d.RetryAfter;
        return new GateDecision(GateOutcome.RateLimited, key.Identity,
            $"API key {key.Prefix}… is over its limit of {what}; retry after {Math.Ceiling(retry.TotalSeconds)} s.",
            retry, d.RemainingRequests, d.RemainingTokens);
    }

    private static ValueTask<GateDecision> Refuse(GateOutcome outcome, string message) =>
        ValueTask.FromResult(new GateDecision(outcome, null, message, null, null, null));
}
