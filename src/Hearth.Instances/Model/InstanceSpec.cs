using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Hearth.Instances.Model;

/// <summary>
/// What an instance is: a name, the blueprint it is made from and that blueprint's inputs, plus how it is supervised.
/// Stored as JSON in the state database and accepted as such by the API; <see cref="Validate"/> checks it.
/// </summary>
public sealed partial record InstanceSpec
{
    public const string CommandBlueprint = "command";
    public const string ModelBlueprint = "hearth-model";

    public required string Name { get; init; }

    /// <summary>"command", "hearth-model", a blueprint name from the catalog, or an absolute path to a blueprint file.</summary>
    public string Blueprint { get; init; } = CommandBlueprint;

    /// <summary>For "command": the command line, run by bash; <c>$PORT</c> is the allocated port (also exported as PORT).</summary>
    public string? Command { get; init; }

    /// <summary>For "hearth-model": a store model name or a .gguf path.</summary>
    public string? Model { get; init; }

    /// <summary>Extra arguments appended to the blueprint's command line.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>Readiness/liveness check; null = the blueprint's default (hearth-model: http:/health; command: tcp).</summary>
    public string? Health { get; init; }

    /// <summary>Optional probe of real work, "METHOD /path [body]", run while ready; a timeout or 5xx counts as a liveness failure.</summary>
    public string? Probe { get; init; }

    public RestartPolicy Restart { get; init; } = RestartPolicy.OnFailure;

    /// <summary>Idle time after which the instance is stopped ("10m"); null or "0" = never.</summary>
    public string? Ttl { get; init; }

    /// <summary>How long a start may take to pass its readiness check (default 120s).</summary>
    public string? StartTimeout { get; init; }

    /// <summary>Started when the supervisor starts.</summary>
    public bool Autostart { get; init; }

    /// <summary>Plain environment variables for the process.</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>Secrets by reference: variable name → name of the supervisor's environment variable to copy it from.</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>();

    /// <summary>GPU assignment, exported as CUDA_VISIBLE_DEVICES (e.g. "0" or "0,1").</summary>
    public string? Gpu { get; init; }

    /// <summary>A satellite reuses this instance's folder (and virtualenv) with its own port and arguments.</summary>
    public string? Parent { get; init; }

    /// <summary>Model names this instance serves behind the supervisor's OpenAI endpoint (hearth-model: the model's name by default).</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    [JsonIgnore]
    public bool IsModelServer => Blueprint == ModelBlueprint || Models.Count > 0;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    public static void ValidateName(string? name)
    {
        if (name is null || !NamePattern().IsMatch(name))
        {
            throw new InstanceSpecException(
                $"invalid instance name '{name}': use 1-63 lower-case letters, digits and '-', starting with a letter or digit (it becomes a host name)", "name");
        }
    }

    /// <summary>Checks every field; throws <see cref="InstanceSpecException"/> naming the first bad one.</summary>
    public void Validate()
    {
        ValidateName(Name);
        switch (Blueprint)
        {
            case CommandBlueprint when string.IsNullOrWhiteSpace(Command):
                throw new InstanceSpecException("a 'command' instance needs a command", "command");
            case ModelBlueprint when string.IsNullOrWhiteSpace(Model):
                throw new InstanceSpecException("a 'hearth-model' instance needs a model", "model");
            case "":
                throw new InstanceSpecException("blueprint must not be empty", "blueprint");
        }

        _ = HealthCheck.Parse(Health);
        _ = ProbeRequest.Parse(Probe);
        _ = TtlSpan;
        _ = StartTimeoutSpan;
        if (Parent == Name)
        {
            throw new InstanceSpecException("an instance cannot be its own parent", "parent");
        }

        if (Parent is not null)
        {
            ValidateName(Parent);
        }

        foreach (var key in Env.Keys.Concat(Secrets.Keys))
        {
            if (!EnvName().IsMatch(key))
            {
                throw new InstanceSpecException($"invalid environment variable name '{key}'", "env");
            }
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvName();

    [JsonIgnore]
    public TimeSpan TtlSpan => string.IsNullOrWhiteSpace(Ttl) ? TimeSpan.Zero : Durations.Parse(Ttl, "ttl");

    [JsonIgnore]
    public TimeSpan StartTimeoutSpan => string.IsNullOrWhiteSpace(StartTimeout) ? TimeSpan.FromSeconds(120) : Durations.Parse(StartTimeout, "start_timeout");

    /// <summary>The names this instance answers to on the OpenAI endpoint.</summary>
    public IReadOnlyList<string> ServedModels()
    {
        if (Models.Count > 0)
        {
            return Models;
        }

        if (Blueprint == ModelBlueprint && Model is not null)
        {
            var name = Model.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) ? System.IO.Path.GetFileNameWithoutExtension(Model) : Model;
            return [name];
        }

        return [];
    }
}
