namespace Hearth.Templates.Runtime.Values;

/// <summary>Evaluated call arguments: positional values then name=value pairs, in source order.</summary>
internal sealed class CallArgs(List<object?> positional, List<KeyValuePair<string, object?>> named)
{
    public static readonly CallArgs None = new([], []);

    public List<object?> Positional { get; } = positional;

    public List<KeyValuePair<string, object?>> Named { get; } = named;

    public int Count => Positional.Count + Named.Count;

    /// <summary>The argument at <paramref name="position"/> or called <paramref name="name"/>; <paramref name="missing"/> when absent.</summary>
    public object? Get(int position, string name, object? missing = null)
    {
        if (position >= 0 && position < Positional.Count)
        {
            return Positional[position];
        }

        foreach (var pair in Named)
        {
            if (pair.Key == name)
            {
                return pair.Value;
            }
        }

        return missing;
    }

    public bool Has(int position, string name)
    {
        if (position >= 0 && position < Positional.Count)
        {
            return true;
        }

        foreach (var pair in Named)
        {
            if (pair.Key == name)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The positional arguments from <paramref name="start"/> on, with the named ones as a map.</summary>
    public CallArgs Skip(int start) => new(Positional.Count > start ? Positional[start..] : [], Named);
}
