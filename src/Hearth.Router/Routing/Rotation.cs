namespace Hearth.Router.Routing;

/// <summary>A shared rotating offset: strategies that sort by a score rotate first, so ties spread over backends instead of always hitting the first.</summary>
public sealed class Rotation
{
    private int next = -1;

    public void Rotate<T>(List<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count < 2)
        {
            return;
        }

        var shift = (int)((uint)Interlocked.Increment(ref next) % (uint)items.Count);
        if (shift == 0)
        {
            return;
        }

        var head = items.GetRange(0, shift);
        items.RemoveRange(0, shift);
        items.AddRange(head);
    }
}
