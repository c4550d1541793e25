using System.Text;
using System.Text.RegularExpressions;
using Hearth.Instances.Blueprints;
using Hearth.Instances.Model;

namespace Hearth.Instances.Supervision;

/// <summary>What a start runs: the bash script line, the port variable, the health check and the install step.</summary>
internal sealed record LaunchPlan(string Script, string PortEnv, HealthCheck Health, string? InstallScript);

/// <summary>Turns an instance's blueprint and inputs into a <see cref="LaunchPlan"/> for a given port.</summary>
internal static partial class LaunchPlanner
{
    public static LaunchPlan Plan(InstanceSpec spec, Blueprint blueprint, int port, string hearthCommand)
    {
        var args = string.Concat(spec.Args.Select(a => " " + Quote(a)));
        var script = blueprint.Name switch
        {
            InstanceSpec.CommandBlueprint when blueprint.BuiltIn => SubstitutePort(spec.Command!, blueprint.PortEnv, port) + args,
            InstanceSpec.ModelBlueprint when blueprint.BuiltIn =>
                $"exec {hearthCommand} serve --model {Quote(spec.Model!)} --host 127.0.0.1 --port {port}{args}",
            _ => $"exec bash {Quote(blueprint.File!)}{args}",
        };
        var install = blueprint.Install is { } i && blueprint.File is { } f ? $"exec bash {Quote(Path.Combine(Path.GetDirectoryName(f)!, i))}" : null;
        return new LaunchPlan(script, blueprint.PortEnv, HealthCheck.Parse(spec.Health ?? blueprint.Health), install);
    }

    /// <summary>Replaces $PORT / ${PORT} textually too, so a port inside single quotes is filled in as well.</summary>
    internal static string SubstitutePort(string command, string portEnv, int port)
    {
        var number = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Regex.Replace(command, @"\$\{" + portEnv + @"\}|\$" + portEnv + @"(?![A-Za-z0-9_])", number, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    /// <summary>Single-quotes a word for bash.</summary>
    internal static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.Length > 0 && SafeWord().IsMatch(word))
        {
            return word;
        }

        return new StringBuilder("'").Append(word.Replace("'", "'\\''", StringComparison.Ordinal)).Append('\'').ToString();
    }

    [GeneratedRegex(@"^[A-Za-z0-9_./:=@%+,-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex SafeWord();

    /// <summary>The default way to run hearth: this very process's executable (and entry assembly under dotnet).</summary>
    public static string DefaultHearthCommand()
    {
        var exe = Environment.ProcessPath ?? "hearth";
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet")
        {
            var entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
            return entry is null ? Quote(exe) : $"{Quote(exe)} {Quote(entry)}";
        }

        return Quote(exe);
    }
}
