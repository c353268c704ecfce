namespace RxSockets.Transport.Epoll;

/// <summary>Whether plain (non-TLS) connections use the epoll transport, server connections and direct (proxy-free)
/// ws:// client connections alike: on x86-64 Linux unless the environment variable <c>RXSOCKETS_EPOLL</c> is <c>0</c>
/// (then .NET sockets are used, as everywhere else).</summary>
internal static class EpollTransport
{
    public static bool Enabled { get; } = EpollEngine.IsSupported && Environment.GetEnvironmentVariable("RXSOCKETS_EPOLL") != "0";
}
