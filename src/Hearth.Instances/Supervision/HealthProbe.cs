using System.Net.Sockets;
using Hearth.Instances.Model;

namespace Hearth.Instances.Supervision;

/// <summary>One health check or probe against 127.0.0.1:PORT; failures are results, not exceptions (they are expected).</summary>
internal static class HealthProbe
{
    /// <param name="liveness">
    /// For liveness a 503 counts as alive: servers (hearth serve among them) answer 503 while loading a model or when
    /// busy, which is no reason to kill them. Readiness still needs a status below 500.
    /// </param>
    public static async Task<string?> CheckAsync(HealthCheck check, int port, HttpClient http, TimeSpan timeout, CancellationToken cancellation, bool liveness = false)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        cts.CancelAfter(timeout);
        try
        {
            switch (check.Kind)
            {
                case HealthKind.Http:
                    using (var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}{check.Path}"), HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false))
                    {
                        var code = (int)response.StatusCode;
                        return code < 500 || (liveness && code == 503) ? null : $"{check.Text} answered {code}";
                    }

                case HealthKind.Tcp:
                    using (var client = new TcpClient())
                    {
                        await client.ConnectAsync("127.0.0.1", port, cts.Token).ConfigureAwait(false);
                        return null;
                    }

                default:
                    return null;
            }
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return $"{check.Text} timed out after {timeout.TotalSeconds:0.#}s";
        }
        catch (HttpRequestException ex)
        {
            return $"{check.Text}: {ex.Message}";
        }
        catch (SocketException ex)
        {
            return $"{check.Text}: {ex.Message}";
        }
    }

    /// <summary>A request doing real work; a hang (timeout) or a 5xx is a failure.</summary>
    public static async Task<string?> ProbeAsync(ProbeRequest probe, int port, HttpClient http, TimeSpan timeout, CancellationToken cancellation)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        cts.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(probe.Method, new Uri($"http://127.0.0.1:{port}{probe.Path}"));
            if (probe.Body is not null)
            {
                request.Content = new StringContent(probe.Body, System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await http.SendAsync(request, cts.Token).ConfigureAwait(false);
            return (int)response.StatusCode < 500 ? null : $"probe {probe.Path} answered {(int)response.StatusCode}";
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return $"probe {probe.Path} hung (no answer in {timeout.TotalSeconds:0.#}s)";
        }
        catch (HttpRequestException ex)
        {
            return $"probe {probe.Path}: {ex.Message}";
        }
    }
}
