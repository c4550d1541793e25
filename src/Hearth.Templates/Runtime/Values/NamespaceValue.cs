namespace Hearth.Templates.Runtime.Values;

/// <summary>The object made by <c>namespace(...)</c>: the one mutable holder Jinja allows to carry values out of loops.</summary>
internal sealed class NamespaceValue
{
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}
