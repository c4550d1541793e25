namespace Hearth.Templates.Runtime.Values;

/// <summary>
/// A missing variable, key or attribute. Like Jinja's default Undefined it prints as "", is falsy,
/// iterates as empty and has length 0; unlike it, attribute/item access on it yields another
/// undefined (chainable) and concatenating it with a string treats it as "", so templates written
/// for lenient renderers (llama.cpp) keep working. Arithmetic on it is an error.
/// </summary>
internal sealed class Undefined
{
    public static readonly Undefined Instance = new(null);

    public Undefined(string? name) => Name = name;

    /// <summary>What was looked up, for error messages ("'foo' is undefined").</summary>
    public string? Name { get; }
}
