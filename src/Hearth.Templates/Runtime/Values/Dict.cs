namespace Hearth.Templates.Runtime.Values;

/// <summary>A Python dict: insertion-ordered, keys compared with Python equality (1 == 1.0).</summary>
internal sealed class Dict : OrderedDictionary<object, object?>
{
    public Dict()
        : base(KeyComparer.Instance)
    {
    }

    private sealed class KeyComparer : IEqualityComparer<object>
    {
        public static readonly KeyComparer Instance = new();

        public new bool Equals(object? x, object? y) => Operators.AreEqual(x, y);

        public int GetHashCode(object obj) => obj switch
        {
            long l => ((double)l).GetHashCode(),
            double d => d.GetHashCode(),
            bool b => (b ? 1.0 : 0.0).GetHashCode(),
            string s => StringComparer.Ordinal.GetHashCode(s),
            _ => obj.GetHashCode(),
        };
    }
}
