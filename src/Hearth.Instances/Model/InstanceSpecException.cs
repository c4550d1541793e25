namespace Hearth.Instances.Model;

/// <summary>An instance definition is invalid (bad name, missing command, bad health check...).</summary>
public sealed class InstanceSpecException : Exception
{
    public InstanceSpecException(string message, string? field = null, int? line = null)
        : base(line is null ? message : $"line {line}: {message}")
    {
        Field = field;
        Line = line;
    }

    public InstanceSpecException()
    {
    }

    public InstanceSpecException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>The field at fault, when known (e.g. "health").</summary>
    public string? Field { get; }

    /// <summary>The 1-based line in the source file, when the definition came from a file.</summary>
    public int? Line { get; }
}

/// <summary>No instance of that name exists.</summary>
public sealed class InstanceNotFoundException : Exception
{
    public InstanceNotFoundException(string name)
        : base($"no instance named '{name}'") => Name = name;

    public InstanceNotFoundException()
    {
        Name = "";
    }

    public InstanceNotFoundException(string message, Exception inner)
        : base(message, inner) => Name = "";

    public string Name { get; }
}

/// <summary>An instance of that name already exists.</summary>
public sealed class DuplicateInstanceException : Exception
{
    public DuplicateInstanceException(string name)
        : base($"an instance named '{name}' already exists") => Name = name;

    public DuplicateInstanceException()
    {
        Name = "";
    }

    public DuplicateInstanceException(string message, Exception inner)
        : base(message, inner) => Name = "";

    public string Name { get; }
}
