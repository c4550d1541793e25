using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Hearth.Cli.Commands;

/// <summary>
/// <c>hearth instances ls|create|start|stop|restart|rm|logs</c>: a thin client of the supervisor's API
/// (address from --url or HEARTH_URL, default http://127.0.0.1:7860).
/// </summary>
internal static class InstancesCommand
{
    private static readonly Option<string?> Url = new("--url") { Description = "Supervisor address (default $HEARTH_URL or http://127.0.0.1:7860).", Recursive = true };
    private static readonly Option<string?> AdminKey = new("--admin-key") { Description = "Admin key of the supervisor (or HEARTH_ADMIN_KEY).", Recursive = true };

    public static Command Create()
    {
        var command = new Command("instances", "Manage supervised instances (model servers, web UIs) of a running 'hearth up'.");
        command.Options.Add(Url);
        command.Options.Add(AdminKey);
        command.Subcommands.Add(List());
        command.Subcommands.Add(CreateInstance());
        foreach (var action in new[] { "start", "stop", "restart" })
        {
            command.Subcommands.Add(Action(action));
        }

        command.Subcommands.Add(Remove());
        command.Subcommands.Add(InstanceLogsCommand.Create(Run));
        return command;
    }

    /// <summary>Runs an API call with a client, mapping API errors to one line and an exit code.</summary>
    internal static async Task<int> Run(ParseResult parse, Func<InstancesClient, Task<int>> body)
    {
        using var client = new InstancesClient(parse.GetValue(Url), parse.GetValue(AdminKey));
        try
        {
            return await body(client).ConfigureAwait(false);
        }
        catch (InstancesApiException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return ex.ExitCode;
        }
    }

    private static Command List()
    {
        var json = new Option<bool>("--json") { Description = "Print the API's JSON." };
        var command = new Command("ls", "List instances with their state.");
        command.Aliases.Add("list");
        command.Options.Add(json);
        command.SetAction((parse, ct) => Run(parse, async client =>
        {
            var list = await client.SendAsync(HttpMethod.Get, "api/instances", null, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                Console.WriteLine(list.GetRawText());
                return ExitCodes.Ok;
            }

            if (list.GetArrayLength() == 0)
            {
                Console.WriteLine("no instances yet: add one with 'hearth instances create NAME --command CMD' (or --model MODEL)");
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple);
            table.AddColumns("NAME", "STATE", "PORT", "PID", "RESTARTS", "URL", "REASON");
            foreach (var i in list.EnumerateArray())
            {
                table.AddRow(Text(i, "name"), Text(i, "state"), Text(i, "port"), Text(i, "pid"), Text(i, "restarts"),
                    new Text(new Uri(client.BaseAddress, i.GetProperty("url").GetString()).ToString()), Text(i, "reason"));
            }

            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Text Text(JsonElement e, string field) => new(e.TryGetProperty(field, out var v) && v.ValueKind != JsonValueKind.Null
        ? (v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText())
        : "-");

    private static Command CreateInstance()
    {
        var name = new Argument<string>("name") { Description = "Instance name (lower-case letters, digits, '-'): /i/NAME/ and NAME.localhost." };
        var cmd = new Option<string?>("--command") { Description = "Command line run by bash; $PORT is the allocated port (also exported as PORT)." };
        var model = new Option<string?>("--model") { Description = "Serve this store model (or .gguf) with 'hearth serve'." };
        var blueprint = new Option<string?>("--blueprint") { Description = "Blueprint: a script file with a '# hearth-blueprint:' header, or a blueprint name." };
        var health = new Option<string?>("--health") { Description = "Readiness/liveness check: http:/PATH, tcp, log:REGEX or none." };
        var probe = new Option<string?>("--probe") { Description = "Probe of real work while ready, e.g. 'POST /v1/completions {...}'." };
        var restart = new Option<string>("--restart") { Description = "always | on-failure | never.", DefaultValueFactory = _ => "on-failure" };
        restart.AcceptOnlyFromAmong("always", "on-failure", "never");
        var ttl = new Option<string?>("--ttl") { Description = "Stop after this long without requests (10m, 1h)." };
        var autostart = new Option<bool>("--autostart") { Description = "Start it now and whenever the supervisor starts." };
        var args = new Option<string[]>("--arg") { Description = "Extra argument for the command line. Repeatable.", Arity = ArgumentArity.ZeroOrMore, AllowMultipleArgumentsPerToken = false };
        var env = new Option<string[]>("--env", "-e") { Description = "KEY=VALUE environment variable. Repeatable.", Arity = ArgumentArity.ZeroOrMore };
        var secret = new Option<string[]>("--secret") { Description = "KEY=ENV_VAR: KEY gets the supervisor's ENV_VAR at start (stored by reference). Repeatable.", Arity = ArgumentArity.ZeroOrMore };
        var gpu = new Option<string?>("--gpu") { Description = "CUDA_VISIBLE_DEVICES for the instance (e.g. 0 or 0,1)." };
        var parent = new Option<string?>("--parent") { Description = "Satellite of this instance: share its folder (and virtualenv)." };
        var models = new Option<string[]>("--serves") { Description = "Model name this instance answers on the /v1 endpoint. Repeatable.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("create", "Create an instance from a command, a model or a blueprint.");
        command.Arguments.Add(name);
        foreach (var o in new Option[] { cmd, model, blueprint, health, probe, restart, ttl, autostart, args, env, secret, gpu, parent, models })
        {
            command.Options.Add(o);
        }

        command.Validators.Add(result =>
        {
            var given = new[] { cmd, model, blueprint }.Count(o => result.GetResult(o) is not null);
            if (given != 1)
            {
                result.AddError("give exactly one of --command, --model or --blueprint");
            }
        });
        command.SetAction((parse, ct) => Run(parse, async client =>
        {
            var spec = new JsonObject { ["name"] = parse.GetValue(name) };
            if (parse.GetValue(cmd) is { } c)
            {
                spec["command"] = c;
            }

            if (parse.GetValue(model) is { } m)
            {
                spec["blueprint"] = "hearth-model";
                spec["model"] = File.Exists(m) ? Path.GetFullPath(m) : m;
            }

            if (parse.GetValue(blueprint) is { } b)
            {
                spec["blueprint"] = File.Exists(b) ? Path.GetFullPath(b) : b;
            }

            Set(spec, "health", parse.GetValue(health));
            Set(spec, "probe", parse.GetValue(probe));
            Set(spec, "restart", parse.GetValue(restart));
            Set(spec, "ttl", parse.GetValue(ttl));
            Set(spec, "gpu", parse.GetValue(gpu));
            Set(spec, "parent", parse.GetValue(parent));
            spec["autostart"] = parse.GetValue(autostart);
            spec["args"] = new JsonArray([.. (parse.GetValue(args) ?? []).Select(a => (JsonNode)a)]);
            spec["models"] = new JsonArray([.. (parse.GetValue(models) ?? []).Select(a => (JsonNode)a)]);
            spec["env"] = Pairs(parse.GetValue(env), "--env");
            spec["secrets"] = Pairs(parse.GetValue(secret), "--secret");
            var created = await client.SendAsync(HttpMethod.Post, "api/instances", spec.ToJsonString(), ct).ConfigureAwait(false);
            Console.WriteLine($"created '{created.GetProperty("name").GetString()}' ({created.GetProperty("state").GetString()}): {new Uri(client.BaseAddress, created.GetProperty("url").GetString())}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Set(JsonObject o, string key, string? value)
    {
        if (value is not null)
        {
            o[key] = value;
        }
    }

    private static JsonObject Pairs(string[]? items, string option)
    {
        var o = new JsonObject();
        foreach (var item in items ?? [])
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new InstancesApiException(400, $"{option} '{item}' is not KEY=VALUE");
            }

            o[item[..eq]] = item[(eq + 1)..];
        }

        return o;
    }

    private static Command Action(string action)
    {
        var name = new Argument<string>("name");
        var noWait = new Option<bool>("--no-wait") { Description = "Return at once instead of waiting until it is ready." };
        var command = new Command(action, $"{char.ToUpperInvariant(action[0])}{action[1..]} an instance.");
        command.Arguments.Add(name);
        if (action != "stop")
        {
            command.Options.Add(noWait);
        }

        command.SetAction((parse, ct) => Run(parse, async client =>
        {
            var wait = action != "stop" && !parse.GetValue(noWait) ? "?wait=true" : "";
            var status = await client.SendAsync(HttpMethod.Post, $"api/instances/{Uri.EscapeDataString(parse.GetValue(name)!)}/{action}{wait}", null, ct).ConfigureAwait(false);
            var port = status.GetProperty("port");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{status.GetProperty("name").GetString()}: {status.GetProperty("state").GetString()}{(port.ValueKind == JsonValueKind.Number ? $" on port {port.GetInt32()}" : "")}"));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Remove()
    {
        var name = new Argument<string>("name");
        var command = new Command("rm", "Stop and remove an instance (its folder and logs stay on disk).");
        command.Arguments.Add(name);
        command.SetAction((parse, ct) => Run(parse, async client =>
        {
            await client.SendAsync(HttpMethod.Delete, $"api/instances/{Uri.EscapeDataString(parse.GetValue(name)!)}", null, ct).ConfigureAwait(false);
            Console.WriteLine($"removed '{parse.GetValue(name)}'");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
