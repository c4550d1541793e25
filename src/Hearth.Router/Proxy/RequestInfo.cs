namespace Hearth.Router.Proxy;

/// <summary>What routing needs from a request body, read without building a document: the model (and where its
/// JSON string sits in the bytes, so it can be swapped for a backend's name without re-serialising), stream, user, and
/// the prompt's first characters (only when prefix affinity asks for them).</summary>
internal readonly record struct RequestInfo(string Model, int ModelStart, int ModelLength, bool Stream, string? User, string? Prefix, bool HasStreamOptions = false);

/// <summary>A body that cannot be routed: the 400's message and the offending parameter.</summary>
internal readonly record struct RequestProblem(string Message, string? Param);
