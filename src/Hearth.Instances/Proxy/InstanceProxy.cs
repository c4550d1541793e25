using System.Diagnostics;
using System.Net;
using Hearth.Instances.Api;
using Hearth.Instances.Model;
using Hearth.Instances.Supervision;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace Hearth.Instances.Proxy;

/// <summary>
/// Forwards a request to an instance with YARP's forwarder. The destination is read from the instance's actor at each
/// request, so the "route table" is always the current state: a restart on a new port is picked up by the next request.
/// A stopped instance is started on demand: browsers get a self-refreshing page, API clients wait (bounded). A request
/// that meets a restarting instance (connection refused before any response byte) waits and is retried, not 502'd.
/// Only real requests count as activity for the idle unload: a WebSocket marks activity when it opens and closes but
/// does not hold the instance awake while idle; an ordinary request (SSE included) does while it runs.
/// </summary>
internal sealed class InstanceProxy
{
    private readonly Supervisor _supervisor;
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _client;
    private readonly TimeSpan _wait;
    private readonly string? _adminKey;

    public InstanceProxy(Supervisor supervisor, IHttpForwarder forwarder, TimeSpan wait, string? adminKey)
    {
        _supervisor = supervisor;
        _forwarder = forwarder;
        _wait = wait;
        _adminKey = adminKey;
        _client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = null,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        });
    }

    public async Task ForwardAsync(HttpContext context, string name, string prefix, PathString path)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!_supervisor.Exists(name))
        {
            await ApiErrors.WriteAsync(context, 404, $"no instance named '{name}'", "not_found_error", "instance_not_found").ConfigureAwait(false);
            return;
        }

        var actor = _supervisor.Actor(name);
        var isWebSocket = context.WebSockets.IsWebSocketRequest;
        if (isWebSocket)
        {
            actor.Touch();
        }
        else
        {
            actor.RequestStarted();
        }

        try
        {
            await ForwardToReadyAsync(context, actor, name, prefix, path).ConfigureAwait(false);
        }
        finally
        {
            if (isWebSocket)
            {
                actor.Touch();
            }
            else
            {
                actor.RequestEnded();
            }
        }
    }

    private async Task ForwardToReadyAsync(HttpContext context, InstanceActor actor, string name, string prefix, PathString path)
    {
        var clock = Stopwatch.StartNew();
        var status = actor.Status;
        if (!status.IsUp && StartingPage.IsBrowserNavigation(context.Request))
        {
            if (status.Desired == DesiredState.Stopped || status.State == InstanceState.Failed && status.Desired == DesiredState.Stopped)
            {
                await _supervisor.StartAsync(name).ConfigureAwait(false);
            }

            await StartingPage.WriteAsync(context, actor.Status).ConfigureAwait(false);
            return;
        }

        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            // Kept so the body can be sent again if the first attempt meets a restarting instance.
            context.Request.EnableBuffering();
        }

        int? failedPid = null;
        while (true)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            wait.CancelAfter(_wait - clock.Elapsed);
            try
            {
                status = await _supervisor.EnsureReadyAsync(name, wait.Token).ConfigureAwait(false);
                if (status.Pid == failedPid)
                {
                    // The actor has not yet seen the crash we just met: give it a moment, then look again.
                    await Task.Delay(10, wait.Token).ConfigureAwait(false);
                    continue;
                }
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                await ApiErrors.WriteAsync(context, 504, $"instance '{name}' was not ready within {_wait.TotalSeconds:0}s (state {actor.Status.State.ToString().ToLowerInvariant()})", "server_error", "instance_start_timeout").ConfigureAwait(false);
                return;
            }
            catch (InstanceUnavailableException ex)
            {
                await ApiErrors.WriteAsync(context, 503, ex.Message, "server_error", "instance_unavailable").ConfigureAwait(false);
                return;
            }

            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            var transformer = new ForwardTransformer(prefix, path, _adminKey);
            var error = await _forwarder.SendAsync(context, $"http://127.0.0.1:{status.Port}", _client, ForwarderRequestConfig.Empty, transformer).ConfigureAwait(false);
            if (error is ForwarderError.None || context.Response.HasStarted || context.RequestAborted.IsCancellationRequested
                || error is not (ForwarderError.Request or ForwarderError.RequestTimedOut) || clock.Elapsed >= _wait)
            {
                return;
            }

            // Nothing reached the client yet: the instance went away under us (crash, restart). Wait for it and retry.
            failedPid = status.Pid;
            context.Response.Clear();
            context.Features.Set<IForwarderErrorFeature>(null);
            if (context.Request.Body.CanSeek)
            {
                context.Request.Body.Position = 0;
            }
            else if (context.Request.ContentLength is > 0)
            {
                return;
            }
        }
    }
}
