using System.Text.RegularExpressions;

namespace Hearth.Instances.Model;

public enum HealthKind
{
    /// <summary>No check: ready as soon as the process runs.</summary>
    None,

    /// <summary>GET http://127.0.0.1:PORT/PATH answers below 500.</summary>
    Http,

    /// <summary>A TCP connection to the port succeeds.</summary>
    Tcp,

    /// <summary>A line of the run's output matches a regex (readiness only; liveness is "the process runs").</summary>
    Log,
}

/// <summary>A readiness/liveness check, written as <c>http:/PATH</c>, <c>tcp</c>, <c>log:REGEX</c> or <c>none</c>.</summary>
public sealed record HealthCheck(HealthKind Kind, string Text, string? Path = null, Regex? Pattern = null)
{
    public static readonly HealthCheck None = new(HealthKind.None, "none");

    public static HealthCheck Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text == "none")
        {
            return None;
        }

        text = text.Trim();
        if (text == "tcp")
        {
            return new HealthCheck(HealthKind.Tcp, text);
        }

        if (text.StartsWith("http:", StringComparison.Ordinal))
        {
            var path = text[5..];
            if (!path.StartsWith('/'))
            {
                throw new InstanceSpecException($"health check '{text}': the path must start with '/' (e.g. http:/health)", "health");
            }

            return new HealthCheck(HealthKind.Http, text, Path: path);
        }

        if (text.StartsWith("log:", StringComparison.Ordinal))
        {
            var source = text[4..];
            if (source.Length == 0)
            {
                throw new InstanceSpecException("health check 'log:' needs a regex after the colon", "health");
            }

            try
            {
                return new HealthCheck(HealthKind.Log, text, Pattern: new Regex(source, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
            }
            catch (ArgumentException ex)
            {
                throw new InstanceSpecException($"health check '{text}': invalid regex: {ex.Message}", "health");
            }
        }

        throw new InstanceSpecException($"unknown health check '{text}': use http:/PATH, tcp, log:REGEX or none", "health");
    }

    public override string ToString() => Text;
}
