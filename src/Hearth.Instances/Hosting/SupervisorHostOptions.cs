namespace Hearth.Instances.Hosting;

/// <summary>How <c>hearth up</c> serves the dashboard, API and proxy.</summary>
public sealed class SupervisorHostOptions
{
    /// <summary>Address to bind. Default 127.0.0.1; any non-loopback address requires <see cref="AdminKey"/>.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one. Default 7860.</summary>
    public int Port { get; set; } = 7860;

    /// <summary>When set, every request (dashboard, API and proxied instances) needs it as a bearer token or login cookie.</summary>
    public string? AdminKey { get; set; }

    /// <summary>How long an API request for a stopped or restarting instance waits for it to be ready. Default 120 s.</summary>
    public TimeSpan StartWait { get; set; } = TimeSpan.FromSeconds(120);
}
