using Hearth.Instances.Model;

namespace Hearth.Instances.Blueprints;

/// <summary>Reads the metadata header of a blueprint script; every error names the line.</summary>
public static class BlueprintHeader
{
    private const string Marker = "# hearth-blueprint:";
    private static readonly string[] Keys = ["name", "description", "port_env", "health", "install"];

    public static Blueprint Read(string file)
    {
        if (!System.IO.File.Exists(file))
        {
            throw new InstanceSpecException($"blueprint file not found: {file}", "blueprint");
        }

        return Parse(System.IO.File.ReadAllText(file), Path.GetFullPath(file));
    }

    public static Blueprint Parse(string text, string file)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        // The header sits among the first comment lines, as AiKore's do: after the shebang, before the code.
        for (var i = 0; i < Math.Min(lines.Length, 20); i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.StartsWith(Marker, StringComparison.Ordinal))
            {
                return ParseLine(line[Marker.Length..], i + 1, file);
            }
        }

        throw new InstanceSpecException($"{file}: no '{Marker} name=...' header in the first 20 lines", "blueprint", 1);
    }

    private static Blueprint ParseLine(string body, int line, string file)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in body.Split(';'))
        {
            var pair = raw.Trim();
            if (pair.Length == 0)
            {
                continue;
            }

            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new InstanceSpecException($"{file}: '{pair}' is not key=value", "blueprint", line);
            }

            var key = pair[..eq].Trim();
            if (!Keys.Contains(key))
            {
                throw new InstanceSpecException($"{file}: unknown key '{key}' (known: {string.Join(", ", Keys)})", "blueprint", line);
            }

            if (!values.TryAdd(key, pair[(eq + 1)..].Trim()))
            {
                throw new InstanceSpecException($"{file}: key '{key}' given twice", "blueprint", line);
            }
        }

        if (!values.TryGetValue("name", out var name) || name.Length == 0)
        {
            throw new InstanceSpecException($"{file}: the header needs name=...", "blueprint", line);
        }

        try
        {
            InstanceSpec.ValidateName(name);
            if (values.TryGetValue("health", out var health))
            {
                _ = HealthCheck.Parse(health);
            }
        }
        catch (InstanceSpecException ex)
        {
            throw new InstanceSpecException($"{file}: {ex.Message}", "blueprint", line);
        }

        var portEnv = values.GetValueOrDefault("port_env", "PORT");
        if (portEnv.Length == 0 || !portEnv.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new InstanceSpecException($"{file}: invalid port_env '{portEnv}'", "blueprint", line);
        }

        return new Blueprint(name, values.GetValueOrDefault("description", ""), file, portEnv, values.GetValueOrDefault("health"), values.GetValueOrDefault("install"));
    }
}
