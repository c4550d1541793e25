using System.Net;
using System.Net.Sockets;

namespace Hearth.Instances.Ports;

/// <summary>
/// Hands out loopback ports from a range outside the kernel's ephemeral range (default 20000–29999, below Linux's
/// 32768), so an outgoing connection never takes an instance's port. Each candidate is test-bound just before the
/// spawn; a port still held by an instance of ours is never given twice. Candidates are probed from a random point so
/// a restart does not walk the same taken ports again.
/// </summary>
public sealed class PortAllocator
{
    private readonly int _first;
    private readonly int _count;
    private readonly Random _random;
    private readonly HashSet<int> _held = [];
    private readonly Lock _lock = new();

    public PortAllocator(int first = 20000, int last = 29999, Random? random = null)
    {
        if (first < 1 || last > 65535 || last < first)
        {
            throw new ArgumentOutOfRangeException(nameof(first), $"invalid port range {first}-{last}");
        }

        _first = first;
        _count = last - first + 1;
        _random = random ?? new Random();
    }

    /// <summary>
    /// A free port: <paramref name="preferred"/> when it still binds (an instance keeps its port across restarts),
    /// otherwise the first free one from a random start. Throws when the whole range is taken.
    /// </summary>
    public int Allocate(int? preferred = null)
    {
        lock (_lock)
        {
            if (preferred is { } p && p >= _first && p < _first + _count && !_held.Contains(p) && CanBind(p))
            {
                _held.Add(p);
                return p;
            }

            var start = _random.Next(_count);
            for (var i = 0; i < _count; i++)
            {
                var port = _first + ((start + i) % _count);
                if (port != preferred && !_held.Contains(port) && CanBind(port))
                {
                    _held.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free port in {_first}-{_first + _count - 1}");
    }

    public void Release(int port)
    {
        lock (_lock)
        {
            _held.Remove(port);
        }
    }

    /// <summary>Marks a port as ours without probing (an adopted or recorded process still holds it).</summary>
    public void Hold(int port)
    {
        lock (_lock)
        {
            _held.Add(port);
        }
    }

    /// <summary>True when nothing listens on the port: a listener bound to 127.0.0.1 or 0.0.0.0 makes this bind fail.</summary>
    public static bool CanBind(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            // No SO_REUSEADDR: the probe must fail exactly when the instance's own bind would.
            socket.ExclusiveAddressUse = true;
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen(1);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
