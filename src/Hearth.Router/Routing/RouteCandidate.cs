using Hearth.Router.Backends;

namespace Hearth.Router.Routing;

/// <summary>One deployment a request could go to: a backend and the model's name there.</summary>
public sealed record RouteCandidate(BackendState Backend, string Model);

/// <summary>What strategies may look at: the public model, an affinity key (x-session-id or the OpenAI <c>user</c>), and the prompt's first characters.</summary>
public readonly record struct RoutingRequest(string Model, string? SessionKey, string? Prefix);

/// <summary>A routing strategy orders one tier's candidates, most preferred first; the rest are the retry order.</summary>
public interface IRoutingStrategy
{
    void Order(List<RouteCandidate> candidates, in RoutingRequest request);
}
