namespace Hearth.Engine.Sampling;

/// <summary>Keeps the K best candidates, sorted best first (K = 0: all, in any order).</summary>
internal static class TopK
{
    public static void Apply(Candidates candidates, int k)
    {
        // No K (the OpenAI defaults): nothing is cut, and the filters after it sort only if they run. The draw
        // does not need order; sorting a 32k vocabulary cost ~3 ms of serial time per sequence per step.
        if (k <= 0)
        {
            return;
        }

        if (k >= candidates.Count)
        {
            candidates.Sort();
            return;
        }

        // Partial selection: a size-k min-heap over logits is O(n log k), far cheaper than sorting a
        // 32k-150k vocabulary every token, then only the k survivors are sorted.
        var items = candidates.Items;
        var heap = new PriorityQueue<int, (float Logit, int NegId)>(k);
        for (var i = 0; i < items.Length; i++)
        {
            var key = (items[i].Logit, -items[i].Id);
            if (heap.Count < k)
            {
                heap.Enqueue(i, key);
            }
            else if (heap.TryPeek(out _, out var min) && key.CompareTo(min) > 0)
            {
                heap.DequeueEnqueue(i, key);
            }
        }

        Span<Candidate> kept = k <= 256 ? stackalloc Candidate[k] : new Candidate[k];
        var n = 0;
        while (heap.TryDequeue(out var index, out _))
        {
            kept[n++] = items[index];
        }

        kept.CopyTo(items);
        candidates.Count = k;
        candidates.Sorted = false;
        candidates.Sort();
    }
}
