using System.Net;
using System.Net.Sockets;

namespace RxSockets.Tests.Support;

internal static class Ports
{
    /// <summary>A port nothing listens on (just released by a listener), for connection-refused cases.</summary>
    public static int Closed(IPAddress address)
    {
        using var probe = new TcpListener(address, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
