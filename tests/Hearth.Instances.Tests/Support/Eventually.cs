using Hearth.Instances.Model;
using Hearth.Instances.Supervision;

namespace Hearth.Instances.Tests.Support;

/// <summary>Waits for a condition on real processes (bounded, generous: the machine may be busy). Not a timing assertion.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, int timeoutMs = 30000)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.ElapsedMilliseconds > timeoutMs)
            {
                throw new TimeoutException($"timed out waiting for: {what}");
            }

            await Task.Delay(20);
        }
    }

    public static Task StateAsync(Supervisor supervisor, string name, InstanceState state, int timeoutMs = 30000) =>
        TrueAsync(() => supervisor.Get(name).State == state, $"{name} to be {state} (is {supervisor.Get(name).State}: {supervisor.Get(name).Reason})", timeoutMs);
}
