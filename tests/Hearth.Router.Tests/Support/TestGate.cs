using System.Collections.Concurrent;
using Hearth.Router.Access;

namespace Hearth.Router.Tests.Support;

/// <summary>
/// A small stand-in for the real key gate (Access/, arriving at merge) that proves the pipeline honours the seam:
/// key "good" is allowed (private when named "private"), "limited" is over its limit, "narrow" may use only
/// model "other"; no key is 401. Usage reports are recorded.
/// </summary>
internal sealed class TestGate : IRequestGate
{
    public ConcurrentQueue<(string Key, long Tokens)> Usage { get; } = new();

    public ValueTask<GateDecision> AdmitAsync(string? bearerToken, string model, CancellationToken cancellationToken) => ValueTask.FromResult(bearerToken switch
    {
        "good" => new GateDecision(GateOutcome.Allowed, new KeyIdentity("k1", "good", null, false, false), null, null, 99, 999),
        "private" => new GateDecision(GateOutcome.Allowed, new KeyIdentity("k2", "priv", null, true, false), null, null, 5, 50),
        "limited" => new GateDecision(GateOutcome.RateLimited, new KeyIdentity("k3", "lim", null, false, false), "Rate limit reached: 1 request per minute.", TimeSpan.FromSeconds(42), 0, 10),
        "narrow" when model != "other" => new GateDecision(GateOutcome.Forbidden, new KeyIdentity("k4", "nar", ["other"], false, false), $"This key may not use model '{model}'.", null, null, null),
        _ => new GateDecision(GateOutcome.Unauthorized, null, "Invalid API key.", null, null, null),
    });

    public ValueTask RecordUsageAsync(KeyIdentity key, long tokens, CancellationToken cancellationToken)
    {
        Usage.Enqueue((key.Id, tokens));
        return ValueTask.CompletedTask;
    }

    public bool IsMaster(string? bearerToken) => bearerToken == "master";
}
