namespace Hearth.Instances.Tests.Support;

/// <summary>Small real programs the tests supervise (bash and the system python3, loopback only).</summary>
public static class Scripts
{
    public const string Python = "/usr/bin/python3";

    public static string App(string file) => Path.Combine(AppContext.BaseDirectory, "Apps", file);

    /// <summary>The test web app (Apps/webapp.py): HTTP, SSE, WebSocket echo, /health; env tunes crashes and hangs.</summary>
    public static string WebApp(string env = "") => $"{env} exec {Python} -u {App("webapp.py")}".Trim();
}
