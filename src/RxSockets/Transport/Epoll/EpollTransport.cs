using RxSockets.Transport.Sockets;

namespace RxSockets.Transport.Epoll;

/// <summary>Whether plain (non-TLS) connections use the epoll transport, server connections and direct (proxy-free)
/// ws:// client connections alike: on x86-64 Linux unless the environment variable <c>RXSOCKETS_EPOLL</c> is <c>0</c>
/// (then .NET sockets are used, as everywhere else).</summary>
internal static class EpollTransport
{
    private static readonly Lazy<ISocketBackend> s_plainBackend = new(ChoosePlainBackend);

    public static bool Enabled { get; } = EpollEngine.IsSupported && Environment.GetEnvironmentVariable("RXSOCKETS_EPOLL") != "0";

    /// <summary>The backend for plain TCP (a server without TLS, a ws:// client without a proxy): epoll where
    /// <see cref="Enabled"/> and the engine could be made, .NET sockets otherwise. The one place that chooses; made on
    /// first use, so a process that only runs TLS starts no epoll engine.</summary>
    public static ISocketBackend PlainBackend => s_plainBackend.Value;

    private static ISocketBackend ChoosePlainBackend() =>
        Enabled && EpollEngine.Shared is { } engine ? new EpollBackend(engine) : DotNetSocketBackend.Instance;
}
