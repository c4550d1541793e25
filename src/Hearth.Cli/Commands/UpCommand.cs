using System.CommandLine;
using Hearth.Instances.Config;
using Hearth.Instances.Hosting;
using Hearth.Instances.Model;
using Hearth.Instances.Supervision;

namespace Hearth.Cli.Commands;

/// <summary>
/// <c>hearth up</c>: the instance supervisor with its dashboard (/), API (/api), proxy (/i/NAME/, NAME.localhost) and
/// OpenAI endpoint (/v1). All logic lives in Hearth.Instances.
/// </summary>
internal static class UpCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config", "-c") { Description = "Instances file (YAML) to apply at start: 'instances:' and/or llama-swap's 'models:'." };
        var host = new Option<string>("--host") { Description = "Address to bind; anything but loopback needs --admin-key.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "TCP port of the dashboard, API and proxy.", DefaultValueFactory = _ => 7860 };
        var home = new Option<string?>("--home") { Description = "State folder (default $HEARTH_HOME/supervisor)." };
        var adminKey = new Option<string?>("--admin-key") { Description = "Require this key for the dashboard, API and proxy (or set HEARTH_ADMIN_KEY)." };
        var command = new Command("up", "Start the instance supervisor: dashboard, API, proxy, and the instances marked autostart.");
        foreach (var option in new Option[] { config, host, port, home, adminKey })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellation) =>
        {
            IReadOnlyList<InstanceSpec> specs = [];
            if (parse.GetValue(config) is { } file)
            {
                try
                {
                    specs = InstancesFile.Load(file);
                }
                catch (InstanceSpecException ex)
                {
                    await Console.Error.WriteLineAsync($"error: {file}: {ex.Message}").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }
            }

            var options = new SupervisorOptions { Home = parse.GetValue(home) ?? Path.Combine(Hearth.Store.StoreOptions.DefaultHome(), "supervisor") };
            await using var supervisor = await Supervisor.StartAsync(options).ConfigureAwait(false);
            if (supervisor.StraysCleaned > 0)
            {
                await Console.Out.WriteLineAsync($"hearth: ended {supervisor.StraysCleaned} process(es) left over from a previous run").ConfigureAwait(false);
            }

            foreach (var spec in specs)
            {
                try
                {
                    await supervisor.ApplyAsync(spec).ConfigureAwait(false);
                    if (spec.Autostart)
                    {
                        await supervisor.StartAsync(spec.Name).ConfigureAwait(false);
                    }
                }
                catch (InstanceSpecException ex)
                {
                    await Console.Error.WriteLineAsync($"error: instance '{spec.Name}': {ex.Message}").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }
            }

            var hostOptions = new SupervisorHostOptions
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                AdminKey = parse.GetValue(adminKey) ?? NullIfEmpty(Environment.GetEnvironmentVariable("HEARTH_ADMIN_KEY")),
            };
            await using var app = SupervisorHost.CreateApp(supervisor, hostOptions);
            await app.StartAsync(cancellation).ConfigureAwait(false);
            var address = SupervisorHost.ListeningAddress(app);
            await Console.Out.WriteLineAsync($"hearth: supervisor on {address} (dashboard: {address}, {supervisor.List().Count} instance(s), state in {options.Home})").ConfigureAwait(false);
            await Console.Out.FlushAsync(cancellation).ConfigureAwait(false);
            // Instances are stopped (TERM, then KILL after the grace period) when the supervisor is disposed.
            await CommandHost.RunUntilStoppedAsync(app, cancellation).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
