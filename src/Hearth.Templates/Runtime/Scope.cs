namespace Hearth.Templates.Runtime;

/// <summary>
/// One level of variables. Loops, macro calls and block captures open a child scope, so `set` inside
/// them does not leak out (Jinja's rule; namespace objects are the sanctioned way around it).
/// </summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _vars = new(StringComparer.Ordinal);

    public Scope? Parent => parent;

    public bool TryGet(string name, out object? value)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
        {
            if (scope._vars.TryGetValue(name, out value))
            {
                return true;
            }
        }

        value = null;
        return false;
    }

    public void Set(string name, object? value) => _vars[name] = value;
}
