using System.Buffers;
using System.Text.Json;
using Hearth.Router.Access;
using Hearth.Router.Backends;
using Hearth.Router.Caching;
using Hearth.Router.Config;
using Hearth.Router.Observability;
using Hearth.Router.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;

namespace Hearth.Router.Proxy;

/// <summary>
/// The request path of every proxied route: read the body (bounded), read model/stream/user from it, admit it
/// through the key gate, answer from the cache, then walk the planned candidates (tiers, strategy, fallback models)
/// until one backend gives a first byte; only then is anything sent to the client, so every failure before it is
/// retried elsewhere and none after it is. Gate, cache and registry are optional services (null = off).
/// </summary>
internal sealed class ProxyHandler(
    RouterOptions options,
    BackendPool pool,
    IRoutingStrategy strategy,
    RouterMetrics metrics,
    TimeProvider time,
    ILogger<ProxyHandler> logger,
    IRequestGate? gate = null,
    IResponseCache? cache = null)
{
    /// <summary>Responses larger than this are not cached (they still stream through).</summary>
    public const int MaxCachedBytes = 4 * 1024 * 1024;

    public async Task HandleAsync(HttpContext context, ProxyRoute route)
    {
        ArgumentNullException.ThrowIfNull(context);
        var started = time.GetTimestamp();
        var aborted = context.RequestAborted;
        byte[]? rented = null;
        var outcome = new Outcome { Model = "unknown", Backend = RouterErrors.RouterBackend };
        try
        {
            var length = context.Request.ContentLength;
            if (length > options.MaxBodyBytes)
            {
                await DrainAsync(context.Request, aborted).ConfigureAwait(false);
                outcome.Status = await TooLarge(context).ConfigureAwait(false);
                return;
            }

            int bodyLength;
            try
            {
                (rented, bodyLength) = await ReadBodyAsync(context.Request, length, options.MaxBodyBytes, aborted).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                outcome.Status = await TooLarge(context).ConfigureAwait(false);
                return;
            }

            if (rented is null)
            {
                outcome.Status = await TooLarge(context).ConfigureAwait(false);
                return;
            }

            var body = rented.AsMemory(0, bodyLength);
            var prefixChars = strategy is PrefixAffinity p ? p.PrefixChars : 0;
            if (!RequestInspector.TryInspect(body.Span, route.StreamDefault, prefixChars, out var info, out var problem))
            {
                outcome.Status = 400;
                await RouterErrors.WriteAsync(context, 400, "invalid_request_error", null, problem.Param, problem.Message).ConfigureAwait(false);
                return;
            }

            // Only names some backend serves become metric labels: client-chosen strings must not grow the series without bound.
            outcome.Model = pool.Current.Models.ContainsKey(info.Model) ? info.Model : "unknown";
            await ServeAsync(context, route, body, info, outcome, started).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            outcome.Status = 499; // the client left; nothing more to send
        }
#pragma warning disable CA1031 // a bug in one request must not take the router down; it becomes a 500 for that request
        catch (Exception e)
#pragma warning restore CA1031
        {
            RouterLog.Failed(logger, e, route.Path);
            outcome.Status = 500;
            if (!context.Response.HasStarted)
            {
                await RouterErrors.WriteAsync(context, 500, "server_error", "router_error", null, "The router failed on this request: " + e.Message).ConfigureAwait(false);
            }
            else
            {
                context.Abort();
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }

            var total = time.GetElapsedTime(started);
            metrics.Request(route.Path, outcome.Model, outcome.Backend, outcome.Status == 0 ? context.Response.StatusCode : outcome.Status);
            metrics.Duration(route.Path, total);
            metrics.Overhead(total - outcome.UpstreamWait);
        }
    }

    private async Task ServeAsync(HttpContext context, ProxyRoute route, ReadOnlyMemory<byte> body, RequestInfo info, Outcome outcome, long started)
    {
        var aborted = context.RequestAborted;
        KeyIdentity? key = null;
        if (gate is not null)
        {
            var decision = await gate.AdmitAsync(Bearer(context.Request), info.Model, aborted).ConfigureAwait(false);
            RateHeaders(context.Response, decision);
            if (decision.Outcome != GateOutcome.Allowed)
            {
                outcome.Status = await Refuse(context, decision).ConfigureAwait(false);
                return;
            }

            key = decision.Key;
        }

        string? cacheKey = null;
        if (cache is not null && (cacheKey = cache.KeyFor(route.Path, body.Span)) is not null)
        {
            var hit = await cache.GetAsync(cacheKey, aborted).ConfigureAwait(false);
            metrics.Cache(hit is not null);
            if (hit is not null)
            {
                outcome.Backend = hit.Backend;
                outcome.Status = hit.StatusCode;
                var response = context.Response;
                response.StatusCode = hit.StatusCode;
                response.ContentType = hit.ContentType;
                response.Headers["x-hearth-backend"] = hit.Backend;
                response.Headers["x-hearth-cache"] = "hit";
                await response.Body.WriteAsync(hit.Body, aborted).ConfigureAwait(false);
                return;
            }

            context.Response.Headers["x-hearth-cache"] = "miss";
        }

        var table = pool.Current;
        var chain = ModelChain(info.Model, table);
        if (chain.Count == 0 && table.Backends.FirstOrDefault(b => b.Discovers && b.Models.Count == 0) is { } unknown)
        {
            // A backend whose model list is not known yet (down since start) might serve it: not a 404 yet.
            outcome.Status = 503;
            await RouterErrors.WriteAsync(context, 503, "server_error", "no_backend_available", "model",
                $"The model '{info.Model}' is not served by any reachable backend, and backend '{unknown.Name}' has not reported its models yet.",
                unknown.Options.Health.Period).ConfigureAwait(false);
            return;
        }

        if (chain.Count == 0)
        {
            outcome.Status = 404;
            await RouterErrors.WriteAsync(context, 404, "invalid_request_error", "model_not_found", "model",
                $"The model '{info.Model}' does not exist on any backend.").ConfigureAwait(false);
            return;
        }

        var request = new RoutingRequest(info.Model, SessionKey(context.Request, info), info.Prefix);
        var attempts = 0;
        UpstreamAttempt? lastError = null;
        var lastErrorBackend = RouterErrors.RouterBackend;
        try
        {
            for (var m = 0; m < chain.Count && attempts < options.Routing.MaxAttempts; m++)
            {
                var model = chain[m];
                if (m > 0)
                {
                    metrics.Fallback(chain[m - 1], model);
                    RouterLog.FellBack(logger, route.Path, chain[m - 1], model);
                }

                var plan = TierPlanner.Plan(table.Models[model], request, strategy, key?.Private ?? false, options.Routing.LatencyBudget, time.GetUtcNow());
                foreach (var candidate in plan)
                {
                    if (attempts >= options.Routing.MaxAttempts)
                    {
                        break;
                    }

                    attempts++;
                    var backend = table.ByName[candidate.Backend.Name];
                    var attempt = await TryBackendAsync(context, route, body, info, candidate, backend, outcome).ConfigureAwait(false);
                    if (attempt is null)
                    {
                        continue; // circuit open
                    }

                    if (attempt.Kind == AttemptKind.Ok)
                    {
                        lastError?.Dispose();
                        lastError = null;
                        using (attempt)
                        {
                            outcome.Backend = backend.Name;
                            outcome.Status = attempt.Status;
                            var tokens = await ResponsePump.RunAsync(context, route, backend, candidate, info, attempt, cacheKey is not null, gate is not null, outcome, time, metrics, logger).ConfigureAwait(false);
                            await AfterAsync(key, cacheKey, backend.Name, tokens, context).ConfigureAwait(false);
                        }

                        return;
                    }

                    if (attempt.Kind == AttemptKind.HttpError && !attempt.Retryable)
                    {
                        if (ContextLengthExceeded(attempt) && m + 1 < chain.Count)
                        {
                            attempt.Dispose();
                            break; // a longer-context model is next in the chain
                        }

                        using (attempt)
                        {
                            // A client error (400, 404...) is the answer: another backend would say the same.
                            outcome.Backend = backend.Name;
                            outcome.Status = attempt.Status;
                            await PassErrorAsync(context, backend.Name, attempt).ConfigureAwait(false);
                        }

                        return;
                    }

                    var reason = attempt.Kind switch
                    {
                        AttemptKind.HttpError => attempt.Status.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        AttemptKind.Timeout => "timeout",
                        _ => "connect_failed",
                    };
                    metrics.Retry(backend.Name, reason);
                    RouterLog.AttemptFailed(logger, route.Path, model, backend.Name, attempt.FailureMessage ?? reason);
                    if (attempt.Kind == AttemptKind.HttpError)
                    {
                        lastError?.Dispose();
                        lastError = attempt;
                        lastErrorBackend = backend.Name;
                    }
                    else
                    {
                        attempt.Dispose();
                    }
                }
            }

            if (lastError is not null)
            {
                // Every candidate refused (429/5xx): the last answer is the most honest one to pass on.
                outcome.Backend = lastErrorBackend;
                outcome.Status = lastError.Status;
                await PassErrorAsync(context, lastErrorBackend, lastError).ConfigureAwait(false);
                return;
            }

            outcome.Status = 503;
            await RouterErrors.WriteAsync(context, 503, "server_error", "no_backend_available", null,
                $"No backend for model '{info.Model}' is available right now; try again shortly.", RetryAfter(table, chain)).ConfigureAwait(false);
        }
        finally
        {
            lastError?.Dispose();
            _ = started;
        }
    }

    /// <summary>One try at one backend, through its circuit breaker. Null when the circuit is open (not an attempt at all).</summary>
    private async Task<UpstreamAttempt?> TryBackendAsync(HttpContext context, ProxyRoute route, ReadOnlyMemory<byte> body, RequestInfo info,
        RouteCandidate candidate, Backend backend, Outcome outcome)
    {
        var translation = route.TranslationFor(backend);
        var translate = translation != Translation.None;
        ReadOnlyMemory<byte> upstreamBody = translation switch
        {
            Translation.OpenAIToOllama => OllamaRequest.FromOpenAIChat(body.Span, candidate.Model, info.Stream),
            Translation.OllamaToOpenAI => OpenAIFromOllama.Request(body.Span, candidate.Model, route == ProxyRoute.OllamaChat, info.Stream),
            _ => candidate.Model == info.Model ? body : WithModel(body, info, candidate.Model),
        };
        if (!translate && gate is not null && info.Stream && !info.HasStreamOptions && !route.OllamaClient)
        {
            // Keys have token limits: ask the backend for the usage chunk so streamed answers count too.
            upstreamBody = WithIncludeUsage(upstreamBody);
        }
        var path = translation switch
        {
            Translation.OpenAIToOllama => "/api/chat",
            Translation.OllamaToOpenAI => route.OpenAIPath!,
            _ => route.Path,
        };
        using var message = UpstreamClient.Build(backend, path, upstreamBody, context.Request);
        candidate.Backend.Enter();
        var entered = true;
        using var activity = RouterTracing.StartAttempt(route.Path, info.Model, candidate.Model, backend);
        try
        {
            var attempt = await backend.Pipeline.ExecuteAsync(
                static (state, _) => UpstreamClient.StartAsync(state.backend, state.message, state.time, state.aborted),
                (backend, message, time, aborted: context.RequestAborted),
                context.RequestAborted).ConfigureAwait(false);
            outcome.UpstreamWait += attempt.TimeToFirstByte;
            RouterTracing.Finish(activity, attempt);
            if (attempt.Kind == AttemptKind.Ok)
            {
                candidate.Backend.RecordTtft(attempt.TimeToFirstByte);
                metrics.TimeToFirstByte(backend.Name, attempt.TimeToFirstByte);
                entered = false; // the pump leaves the backend when the stream ends
                outcome.Release = candidate.Backend;
            }

            return attempt;
        }
        catch (BrokenCircuitException)
        {
            activity?.SetTag("error.type", "circuit_open");
            metrics.Retry(backend.Name, "circuit_open");
            return null;
        }
        finally
        {
            if (entered)
            {
                candidate.Backend.Exit();
            }
        }
    }

    private async Task AfterAsync(KeyIdentity? key, string? cacheKey, string backend, ResponsePump.Result result, HttpContext context)
    {
        // The usage write is started first and awaited after the answer is complete, so the client does not wait for
        // it (with Redis, a round-trip). It is still exact for a client that sends its next request after this answer:
        // in process it is done before the call returns; with Redis the EVALSHA is already queued on the one
        // multiplexed connection, ahead of that next request's check, and Redis runs commands in arrival order.
        var recording = gate is not null && key is not null && result.Tokens is > 0
            ? gate.RecordUsageAsync(key, result.Tokens.Value, CancellationToken.None)
            : ValueTask.CompletedTask;
        if (result.Complete && !context.RequestAborted.IsCancellationRequested)
        {
            try
            {
                await context.Response.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away as the answer ended; the usage still counts.
            }
        }

        await recording.ConfigureAwait(false);

        if (cache is not null && cacheKey is not null && result.Complete && context.Response.StatusCode == 200 && result.Captured is { } bytes)
        {
            await cache.SetAsync(cacheKey, new CachedResponse(200, context.Response.ContentType ?? "application/json", bytes, backend), CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The model, then its fallbacks (breadth-first, each once), keeping only names some backend serves.</summary>
    private List<string> ModelChain(string model, RoutingTable table)
    {
        var chain = new List<string>();
        var queue = new Queue<string>([model]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (queue.Count > 0)
        {
            var next = queue.Dequeue();
            if (!seen.Add(next))
            {
                continue;
            }

            if (table.Models.ContainsKey(next))
            {
                chain.Add(next);
            }

            foreach (var f in options.Fallbacks.GetValueOrDefault(next) ?? [])
            {
                queue.Enqueue(f);
            }
        }

        return chain;
    }

    /// <summary>How long until something may work again: the earliest circuit re-opening, else a health period.</summary>
    private TimeSpan RetryAfter(RoutingTable table, List<string> chain)
    {
        var now = time.GetUtcNow();
        var waits = chain.SelectMany(m => table.Models[m]).Select(c =>
            c.Backend.CircuitOpenUntil(now) is { } until ? until - now
            : table.ByName.TryGetValue(c.Backend.Name, out var b) ? b.Options.Health.Period : TimeSpan.FromSeconds(5)).ToList();
        return waits.Count == 0 ? TimeSpan.FromSeconds(5) : waits.Min();
    }

    private static bool ContextLengthExceeded(UpstreamAttempt attempt) =>
        attempt.Status == 400 && attempt.ErrorBody is { } body && body.AsSpan().IndexOf("context_length_exceeded"u8) >= 0;

    private static async Task PassErrorAsync(HttpContext context, string backend, UpstreamAttempt attempt)
    {
        var response = context.Response;
        response.StatusCode = attempt.Status;
        response.ContentType = attempt.Response!.Content.Headers.ContentType?.ToString() ?? "application/json";
        response.Headers["x-hearth-backend"] = backend;
        if (attempt.Response.Headers.RetryAfter is { } retry)
        {
            response.Headers.RetryAfter = retry.ToString();
        }

        await response.Body.WriteAsync(attempt.ErrorBody ?? [], context.RequestAborted).ConfigureAwait(false);
    }

    private async Task<int> Refuse(HttpContext context, GateDecision decision)
    {
        var (status, type, code, outcome) = decision.Outcome switch
        {
            GateOutcome.Unauthorized => (401, "invalid_request_error", "invalid_api_key", "unauthorized"),
            GateOutcome.Forbidden => (403, "invalid_request_error", "model_not_allowed", "forbidden"),
            _ => (429, "requests", "rate_limit_exceeded", "rate_limited"),
        };
        metrics.Refused(outcome);
        var message = decision.Message ?? outcome;
        RouterLog.Refused(logger, context.Request.Path, status, message);
        await RouterErrors.WriteAsync(context, status, type, code, status == 403 ? "model" : null, message, decision.RetryAfter).ConfigureAwait(false);
        return status;
    }

    private static void RateHeaders(HttpResponse response, GateDecision decision)
    {
        if (decision.RemainingRequests is { } requests)
        {
            response.Headers["x-ratelimit-remaining-requests"] = requests.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (decision.RemainingTokens is { } tokens)
        {
            response.Headers["x-ratelimit-remaining-tokens"] = tokens.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private Task<int> TooLarge(HttpContext context) =>
        RouterErrors.WriteAsync(context, 413, "invalid_request_error", "request_too_large", null,
            $"The request body is larger than the router's limit of {options.MaxBodyBytes} bytes.").ContinueWith(_ => 413, TaskScheduler.Default);

    private static string? Bearer(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
    }

    private static string? SessionKey(HttpRequest request, RequestInfo info) =>
        request.Headers.TryGetValue("x-session-id", out var session) && session.Count > 0 && !string.IsNullOrEmpty(session[0]) ? session[0] : info.User;

    /// <summary>The body with the model's JSON string replaced by another name; every other byte as it came.</summary>
    private static byte[] WithModel(ReadOnlyMemory<byte> body, RequestInfo info, string model)
    {
        var encoded = JsonEncodedText.Encode(model).EncodedUtf8Bytes;
        var result = new byte[body.Length - info.ModelLength + encoded.Length + 2];
        var span = body.Span;
        span[..info.ModelStart].CopyTo(result);
        var at = info.ModelStart;
        result[at++] = (byte)'"';
        encoded.CopyTo(result.AsSpan(at));
        at += encoded.Length;
        result[at++] = (byte)'"';
        span[(info.ModelStart + info.ModelLength)..].CopyTo(result.AsSpan(at));
        return result;
    }

    /// <summary>
    /// Reads and drops the rest of an oversized body (Kestrel's own cap is the limit plus <see cref="RouterHost.DrainAllowance"/>),
    /// so the 413 reaches the client: closing a socket with unread input resets the connection and loses the answer.
    /// </summary>
    private static async Task DrainAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (await request.Body.ReadAsync(scratch, cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (BadHttpRequestException)
        {
            // Beyond the drain allowance: Kestrel closes the connection after the 413.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>The body with <c>"stream_options":{"include_usage":true}</c> added before its closing brace; every other byte unchanged.</summary>
    private static ReadOnlyMemory<byte> WithIncludeUsage(ReadOnlyMemory<byte> body)
    {
        var span = body.Span;
        var close = span.LastIndexOf((byte)'}');
        if (close < 0)
        {
            return body;
        }

        var insert = ",\"stream_options\":{\"include_usage\":true}"u8;
        var result = new byte[body.Length + insert.Length];
        span[..close].CopyTo(result);
        insert.CopyTo(result.AsSpan(close));
        span[close..].CopyTo(result.AsSpan(close + insert.Length));
        return result;
    }

    /// <summary>Reads the whole body into a pooled array; null when it is over the limit.</summary>
    private static async Task<(byte[]? Buffer, int Length)> ReadBodyAsync(HttpRequest request, long? declared, long limit, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(declared ?? 4096, 16, limit + 1));
        var total = 0;
        try
        {
            while (true)
            {
                if (total == buffer.Length)
                {
                    if (total > limit)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        await DrainAsync(request, cancellationToken).ConfigureAwait(false);
                        return (null, 0);
                    }

                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, total).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var n = await request.Body.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        if (total > limit)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, 0);
        }

        return (buffer, total);
    }

    /// <summary>What the metrics record about one request, filled in as it goes.</summary>
    internal sealed class Outcome
    {
        public string Model { get; set; } = string.Empty;

        public string Backend { get; set; } = string.Empty;

        public int Status { get; set; }

        public TimeSpan UpstreamWait { get; set; }

        /// <summary>The backend whose in-flight count the streaming pump must release.</summary>
        public BackendState? Release { get; set; }
    }
}
