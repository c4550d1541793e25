namespace Hearth.Engine.Sampling;

/// <summary>One token in a sampling step.</summary>
internal struct Candidate
{
    public int Id;
    public float Logit;
    public float Prob;
}

/// <summary>
/// The working set of a sampling step. Strategies shrink <see cref="Count"/>; once <see cref="Sorted"/>
/// is set the entries are in descending logit order. The buffer is reused across steps, so a step
/// allocates nothing.
/// </summary>
internal sealed class Candidates
{
    private static readonly Comparison<Candidate> ByLogitDescending = (a, b) =>
    {
        var c = b.Logit.CompareTo(a.Logit);
        return c != 0 ? c : a.Id.CompareTo(b.Id);
    };

    private Candidate[] items = [];

    public int Count { get; set; }

    public bool Sorted { get; set; }

    public Span<Candidate> Items => items.AsSpan(0, Count);

    public void Reset(ReadOnlySpan<float> logits)
    {
        if (items.Length < logits.Length)
        {
            items = new Candidate[logits.Length];
        }

        for (var i = 0; i < logits.Length; i++)
        {
            items[i] = new Candidate { Id = i, Logit = logits[i] };
        }

        Count = logits.Length;
        Sorted = false;
    }

    /// <summary>Sorts by logit, best first; ties keep the lower id first so results are reproducible.</summary>
    public void Sort()
    {
        if (!Sorted)
        {
            Items.Sort(ByLogitDescending);
            Sorted = true;
        }
    }

    /// <summary>Softmax of the current logits into Prob (max-subtracted for stability).</summary>
    public void Softmax()
    {
        var span = Items;
        var max = float.NegativeInfinity;
        foreach (ref readonly var c in span)
        {
            max = MathF.Max(max, c.Logit);
        }

        var sum = 0.0;
        foreach (ref var c in span)
        {
            c.Prob = MathF.Exp(c.Logit - max);
            sum += c.Prob;
        }

        var inv = (float)(1.0 / sum);
        foreach (ref var c in span)
        {
            c.Prob *= inv;
        }
    }
}
