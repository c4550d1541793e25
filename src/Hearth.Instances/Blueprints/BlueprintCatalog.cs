using Hearth.Instances.Model;

namespace Hearth.Instances.Blueprints;

/// <summary>The built-in blueprints plus every *.sh with a valid header in the blueprints folder.</summary>
public sealed class BlueprintCatalog
{
    public static readonly Blueprint Command = new(InstanceSpec.CommandBlueprint, "Any command line; $PORT is the allocated port.", Health: "tcp", BuiltIn: true);
    public static readonly Blueprint HearthModel = new(InstanceSpec.ModelBlueprint, "hearth serve of one store model (or .gguf file).", Health: "http:/health", BuiltIn: true);

    private readonly string? _folder;

    public BlueprintCatalog(string? folder) => _folder = folder;

    /// <summary>All blueprints; files with a bad header are reported in <paramref name="errors"/>, not thrown.</summary>
    public IReadOnlyList<Blueprint> List(List<string>? errors = null)
    {
        var list = new List<Blueprint> { Command, HearthModel };
        if (_folder is null || !Directory.Exists(_folder))
        {
            return list;
        }

        foreach (var file in Directory.EnumerateFiles(_folder, "*.sh").Order(StringComparer.Ordinal))
        {
            try
            {
                list.Add(BlueprintHeader.Read(file));
            }
            catch (InstanceSpecException ex)
            {
                errors?.Add(ex.Message);
            }
        }

        return list;
    }

    /// <summary>Finds a blueprint by name or, for a path, reads that file's header.</summary>
    public Blueprint Resolve(string nameOrFile)
    {
        ArgumentNullException.ThrowIfNull(nameOrFile);
        if (nameOrFile == Command.Name)
        {
            return Command;
        }

        if (nameOrFile == HearthModel.Name)
        {
            return HearthModel;
        }

        if (nameOrFile.Contains('/', StringComparison.Ordinal) || nameOrFile.EndsWith(".sh", StringComparison.Ordinal))
        {
            return BlueprintHeader.Read(nameOrFile);
        }

        return List().FirstOrDefault(b => b.Name == nameOrFile)
            ?? throw new InstanceSpecException($"unknown blueprint '{nameOrFile}'", "blueprint");
    }
}
